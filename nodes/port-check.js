// The file Node-RED loads for the port-check node (package.json "node-red"),
// beside its editor (port-check.html), locales and icon. The node itself is
// TypeScript in src/, compiled into lib/ by `npm run build`.
module.exports = require('../lib/port-check.js');
