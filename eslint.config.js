'use strict';
// `npm run lint`: ESLint over the TypeScript sources (typescript-eslint),
// the tests, the bench, the scripts and the editor (resources/*.js and the
// inline script of nodes/port-check.html), with the formatting rules of
// @stylistic: 4 spaces, semicolons, single quotes in Node code and double
// quotes in the editor's ES5 (as Node-RED's own editor code is written).
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const stylistic = require('@stylistic/eslint-plugin');
const html = require('eslint-plugin-html');
const globals = require('globals');

/** The layout every file shares. */
const layout = {
    '@stylistic/indent': ['error', 4, { SwitchCase: 1, flatTernaryExpressions: false, offsetTernaryExpressions: false, ignoredNodes: ['ConditionalExpression'] }],
    '@stylistic/semi': ['error', 'always'],
    '@stylistic/brace-style': ['error', '1tbs', { allowSingleLine: true }],
    '@stylistic/comma-dangle': ['error', 'always-multiline'],
    '@stylistic/eol-last': ['error', 'always'],
    '@stylistic/no-trailing-spaces': 'error',
    '@stylistic/no-multiple-empty-lines': ['error', { max: 1, maxEOF: 0 }],
    '@stylistic/no-tabs': 'error',
    '@stylistic/keyword-spacing': 'error',
    '@stylistic/space-before-blocks': 'error',
    '@stylistic/space-infix-ops': 'error',
    '@stylistic/comma-spacing': 'error',
    '@stylistic/key-spacing': 'error',
    '@stylistic/arrow-spacing': 'error',
    '@stylistic/max-len': ['error', { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
};

const unusedArgs = { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none' };

module.exports = [
    { ignores: ['lib/**', 'node_modules/**', '.node-red/**', '.matrix/**', 'test/artifacts/**'] },
    {
        files: ['**/*.js'],
        ...js.configs.recommended,
        plugins: { '@stylistic': stylistic },
        languageOptions: {
            ecmaVersion: 2022,
            sourceType: 'commonjs',
            globals: { ...globals.node },
        },
        rules: {
            ...js.configs.recommended.rules,
            ...layout,
            '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
            'no-unused-vars': ['error', unusedArgs],
            strict: ['error', 'global'],
        },
    },
    {
        // The entry Node-RED loads: a CommonJS file of one line.
        files: ['nodes/**/*.js'],
        rules: { strict: 'off' },
    },
    {
        files: ['test/**/*.js'],
        languageOptions: { globals: { ...globals.node, ...globals.mocha } },
    },
    {
        // Functions the browser tests hand to page.evaluate() run in the editor's page.
        files: ['test/browser/**/*.js'],
        languageOptions: { globals: { ...globals.node, ...globals.mocha, ...globals.browser, RED: 'readonly', $: 'readonly' } },
    },
    {
        // The editor: ES5 in the browser, and a CommonJS module for the tests.
        files: ['resources/**/*.js'],
        languageOptions: {
            ecmaVersion: 5,
            sourceType: 'script',
            globals: { ...globals.browser, module: 'readonly', require: 'readonly' },
        },
        rules: {
            '@stylistic/quotes': ['error', 'double', { avoidEscape: true }],
            '@stylistic/comma-dangle': ['error', 'never'],
            strict: ['error', 'function'],
        },
    },
    {
        files: ['nodes/**/*.html'],
        plugins: { html, '@stylistic': stylistic },
        languageOptions: {
            ecmaVersion: 5,
            sourceType: 'script',
            globals: { ...globals.browser, RED: 'readonly', $: 'readonly', PortCheckEditor: 'readonly', PortCheckConfig: 'readonly' },
        },
        rules: {
            ...js.configs.recommended.rules,
            ...layout,
            '@stylistic/quotes': ['error', 'double', { avoidEscape: true }],
            '@stylistic/comma-dangle': ['error', 'never'],
            strict: ['error', 'function'],
        },
    },
    { files: ['src/**/*.ts'], ...js.configs.recommended },
    ...tseslint.configs.recommended.map((config) => ({ ...config, files: ['src/**/*.ts'] })),
    {
        files: ['src/**/*.ts'],
        plugins: { '@stylistic': stylistic },
        languageOptions: { parserOptions: { project: false } },
        rules: {
            ...layout,
            '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
            '@typescript-eslint/no-unused-vars': ['error', unusedArgs],
            '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
        },
    },
];
