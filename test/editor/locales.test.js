'use strict';
// The translations of nodes/locales/: every language Node-RED's editor
// speaks has the node's catalogue and help, and each says what the English
// one says. Checked, for every language against en-US:
//   - the catalogue (port-check.json) has the same keys, each text the same
//     __placeholders__ and the same HTML tags;
//   - the help (port-check.html) has the same sections (h3, h4), tables and
//     rows, property lists and code blocks, and the same <code> spans
//     (technical tokens are never translated), apart from the error phrases;
//   - each error's phrase (its text up to the first colon, which the help
//     says every message starts with) appears in the help's error table.
const assert = require('assert');
const fs = require('fs');
const path = require('path');

const LOCALES = path.join(__dirname, '..', '..', 'nodes', 'locales');
const LANGUAGES = ['de', 'es-ES', 'fr', 'ja', 'ko', 'pt-BR', 'ru', 'zh-CN', 'zh-TW'];

const read = (lang, file) => fs.readFileSync(path.join(LOCALES, lang, file), 'utf8');

/** Every leaf of a catalogue, as [dotted key, text]. */
function leaves(object, prefix = '') {
    return Object.entries(object).flatMap(([key, value]) => (value && typeof value === 'object'
        ? leaves(value, `${prefix}${key}.`)
        : [[`${prefix}${key}`, value]]));
}

const placeholders = (text) => (text.match(/__[A-Za-z0-9]+__/g) || []).sort();
const tags = (text) => (text.match(/<\/?[a-z0-9]+/g) || []).sort();
const count = (html, pattern) => (html.match(pattern) || []).length;
const codes = (html) => [...html.matchAll(/<code>([\s\S]*?)<\/code>/g)].map((m) => m[1].replace(/\s+/g, ' '));

/** The phrase each error message starts with: its text up to the first colon (full-width ones too). */
function errorPhrases(catalogue) {
    return Object.fromEntries(Object.entries(catalogue['port-check'].errors).map(([code, text]) => [code, text.split(/[:：]/)[0].trim()]));
}

/** The commonest English words in a help's prose (code, pre and tags taken out): a sentence left untranslated shows. */
function englishWords(html) {
    const prose = html.replace(/<(code|pre)>[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' ');
    return prose.match(/\b(the|and|with|when|which|that|is|are|of|to|it|this|from)\b/gi) || [];
}

/** The multiset of a list, as sorted [item, count] pairs. */
function tally(list) {
    const counts = new Map();
    for (const item of list) counts.set(item, (counts.get(item) || 0) + 1);
    return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('locales', function () {
    const english = JSON.parse(read('en-US', 'port-check.json'));
    const englishLeaves = new Map(leaves(english));
    const englishHelp = read('en-US', 'port-check.html');
    const englishPhrases = errorPhrases(english);

    it('has a catalogue and a help for every language of the Node-RED editor', function () {
        const present = fs.readdirSync(LOCALES).filter((lang) => lang !== 'en-US').sort();
        assert.deepStrictEqual(present, [...LANGUAGES].sort());
        const editorLocales = path.join(path.dirname(require.resolve('@node-red/editor-client/package.json')), 'locales');
        for (const lang of LANGUAGES) assert.ok(fs.existsSync(path.join(editorLocales, lang)), `Node-RED's editor speaks ${lang}`);
    });

    for (const lang of LANGUAGES) {
        describe(lang, function () {
            const exists = fs.existsSync(path.join(LOCALES, lang, 'port-check.json'));
            const catalogue = exists ? JSON.parse(read(lang, 'port-check.json')) : {};
            const help = exists ? read(lang, 'port-check.html') : '';

            it('the catalogue has the keys of en-US, each with its placeholders and tags', function () {
                const translated = new Map(leaves(catalogue));
                assert.deepStrictEqual([...translated.keys()].sort(), [...englishLeaves.keys()].sort());
                for (const [key, text] of englishLeaves) {
                    const other = translated.get(key);
                    assert.strictEqual(typeof other, 'string', key);
                    assert.ok(other.trim() !== '', `${key} is empty`);
                    assert.deepStrictEqual(placeholders(other), placeholders(text), `${key}: placeholders`);
                    assert.deepStrictEqual(tags(other), tags(text), `${key}: tags`);
                }
            });

            it('the help has the sections, tables, lists and code of en-US', function () {
                assert.match(help, /^<script type="text\/html" data-help-name="port-check">\n[\s\S]*<\/script>\n?$/);
                for (const [what, pattern] of [['h3', /<h3>/g], ['h4', /<h4>/g], ['table', /<table>/g], ['tr', /<tr>/g],
                    ['dl', /<dl /g], ['dt', /<dt>/g], ['pre', /<pre>/g], ['ul', /<ul>/g], ['li', /<li>/g], ['a', /<a /g]]) {
                    assert.strictEqual(count(help, pattern), count(englishHelp, pattern), `<${what}> count`);
                }
                const phrases = new Set(Object.values(errorPhrases(catalogue)));
                const english = new Set(Object.values(englishPhrases));
                assert.deepStrictEqual(tally(codes(help).filter((c) => !phrases.has(c))), tally(codes(englishHelp).filter((c) => !english.has(c))));
            });

            it('leaves no English sentence: no catalogue text of three words or more as in en-US, no English prose in the help', function () {
                const translated = new Map(leaves(catalogue));
                const same = [...englishLeaves].filter(([key, text]) => text.split(/\s+/).length >= 3 && translated.get(key) === text);
                assert.deepStrictEqual(same.map(([key]) => key), [], 'left in English');
                const words = englishWords(help);
                assert.ok(words.length <= 5, `English words in the help: ${words.join(' ')}`);
            });

            it('the help names every error by the phrase its message starts with', function () {
                for (const [code, phrase] of Object.entries(errorPhrases(catalogue))) {
                    assert.ok(phrase !== '', `${code} has a phrase`);
                    assert.ok(help.includes(`<code>${phrase}</code>`), `${code}: the help's error table has <code>${phrase}</code>`);
                }
            });
        });
    }

    it('en-US: the English-word check sees English (so that it can fail)', function () {
        assert.ok(englishWords(englishHelp).length > 500);
    });

    it('en-US: the help names every error by its phrase (the rule the translations follow)', function () {
        for (const [code, phrase] of Object.entries(englishPhrases)) {
            assert.ok(englishHelp.includes(`<code>${phrase}</code>`), `${code}: <code>${phrase}</code>`);
        }
    });
});
