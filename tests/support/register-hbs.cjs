// Lets tests import .hbs templates as strings, as the esbuild bundle does.
const fs = require('node:fs');
require.extensions['.hbs'] = (module, filename) => {
  module.exports = fs.readFileSync(filename, 'utf8');
};
