// Jest settings for packages whose suites copy the migrated template database: the shared
// preset plus a globalSetup that builds the template once, before any suite and outside every
// hook. `packageDir` is the calling config's directory (where @msr-webhooks/testing resolves).
const preset = require("./jest.preset.cjs");

module.exports = (packageDir) => ({
  ...preset,
  globalSetup: require.resolve("@msr-webhooks/testing/global-setup", { paths: [packageDir] }),
});
