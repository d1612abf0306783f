/**
 * Assembles src/synthesis/kernels/kernels.wat (with its parts) into the embedded binary
 * (src/synthesis/kernels/kernels-wasm.ts). Run after editing the .wat: npm run build:kernels.
 * A unit test assembles the .wat again and fails if the embedded binary differs.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { assembleKernels, embeddedModuleSource } from './assemble-kernels.js'

const target = fileURLToPath(new URL('../src/synthesis/kernels/kernels-wasm.ts', import.meta.url))
const bytes = await assembleKernels()
writeFileSync(target, embeddedModuleSource(bytes))
console.log(`${target}: ${bytes.length} bytes of WebAssembly`)
