#!/usr/bin/env node
'use strict';
// `npm start`: Node-RED on http://127.0.0.1:1880 from this checkout, with a
// user directory inside the project (.node-red/, gitignored), telemetry and
// tours off, this package installed by a link (so its examples show in
// Import > Examples), and a first flow deployed that checks real ports on
// this machine. PORT=1881 npm start picks another port.
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const root = path.resolve(__dirname, '..');
const userDir = path.join(root, '.node-red');
const port = Number(process.env.PORT) || 1880;
const pkg = require(path.join(root, 'package.json'));

fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });

// Install this checkout into the user dir the way `npm install <path>` does: a link.
const link = path.join(userDir, 'node_modules', pkg.name);
try {
    if (fs.readlinkSync(link) !== root) fs.unlinkSync(link);
} catch {
    // no link yet
}
if (!fs.existsSync(link)) fs.symlinkSync(root, link, 'dir');
fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({
    name: 'port-check-dev-user-dir',
    description: 'Node-RED user directory for npm start',
    version: '0.0.0',
    private: true,
    dependencies: { [pkg.name]: `file:${root}` },
}, null, 4));

fs.writeFileSync(path.join(userDir, 'settings.js'), `// Written by scripts/start.js at each start.
module.exports = {
    uiHost: '127.0.0.1',
    uiPort: ${port},
    flowFile: 'flows.json',
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: { tours: false },
    logging: { console: { level: 'info', metrics: false, audit: false } },
};
`);

// A first flow, written once: the user's own changes are kept across starts.
const flowFile = path.join(userDir, 'flows.json');
if (!fs.existsSync(flowFile)) {
    fs.copyFileSync(path.join(__dirname, 'start-flow.json'), flowFile);
}

const red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    stdio: 'inherit',
    env: { ...process.env, NODE_RED_PORT: String(port) },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => red.kill(signal));
red.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
