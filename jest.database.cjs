// Jest settings for packages whose suites copy the migrated template database: the shared
// preset plus a globalSetup that builds the template once, before any suite and outside every
// hook. It runs @msr-webhooks/testing's build, which turbo makes before these packages' tests
// (each of them depends on that package; its own test task depends on its own build).
const path = require("node:path");
const preset = require("./jest.preset.cjs");

module.exports = {
  ...preset,
  globalSetup: path.join(__dirname, "packages", "testing", "dist", "global-setup.js"),
};
