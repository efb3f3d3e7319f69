#!/usr/bin/env node
'use strict';
// `npm start`: Node-RED on http://127.0.0.1:1880 from this checkout, with a
// user directory inside the project (.node-red/, gitignored), telemetry and
// tours off, this package installed by a link (so its examples show in
// Import > Examples), Dashboard 2.0 (@flowfuse/node-red-dashboard, a
// devDependency) linked in the same way for the status board of example 19,
// and a first flow deployed that checks real ports on this machine.
// PORT=1881 npm start picks another port.
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const root = path.resolve(__dirname, '..');
const userDir = path.join(root, '.node-red');
const port = Number(process.env.PORT) || 1880;
const pkg = require(path.join(root, 'package.json'));

const DASHBOARD = '@flowfuse/node-red-dashboard';

fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });

/** Installs `target` into the user dir as `name`, the way `npm install <path>` does: a link. */
function linkModule(name, target) {
    const link = path.join(userDir, 'node_modules', name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    try {
        if (fs.readlinkSync(link) !== target) fs.unlinkSync(link);
    } catch {
        // no link yet
    }
    if (!fs.existsSync(link)) fs.symlinkSync(target, link, 'dir');
}

// This checkout, and Dashboard 2.0 from its node_modules (unless it is not installed).
linkModule(pkg.name, root);
const dependencies = { [pkg.name]: `file:${root}` };
let dashboardDir = null;
try {
    dashboardDir = path.dirname(require.resolve(`${DASHBOARD}/package.json`, { paths: [root] }));
} catch {
    console.log(`${DASHBOARD} is not installed (npm install): the status board tab will show unknown nodes.`);
}
if (dashboardDir) {
    linkModule(DASHBOARD, dashboardDir);
    dependencies[DASHBOARD] = `file:${dashboardDir}`;
}
fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({
    name: 'port-check-dev-user-dir',
    description: 'Node-RED user directory for npm start',
    version: '0.0.0',
    private: true,
    dependencies,
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
} else if (!fs.readFileSync(flowFile, 'utf8').includes('"start-board-tab"')) {
    console.log('The status board (Dashboard 2.0) tab is not in .node-red/flows.json, written by an earlier npm start:'
        + ' import example 19, or remove .node-red/flows.json to start again from scripts/start-flow.json.');
}

const red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    stdio: 'inherit',
    env: { ...process.env, NODE_RED_PORT: String(port) },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => red.kill(signal));
red.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
