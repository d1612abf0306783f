import '../src/polyfills.js'
