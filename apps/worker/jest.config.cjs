module.exports = require("../../jest.database.cjs")(__dirname);
