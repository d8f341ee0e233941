module.exports = require("../../jest.database.cjs");
