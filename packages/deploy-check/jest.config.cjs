// No database or Redis here: the manifests are only rendered and validated, so the shared
// preset's globalSetup (template database, test-run lease) is left out.
const preset = require("../../jest.preset.cjs");

module.exports = { ...preset, globalSetup: undefined, globalTeardown: undefined };
