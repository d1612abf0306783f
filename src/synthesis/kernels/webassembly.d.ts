/**
 * The part of the WebAssembly JS API the kernels use. Node has it at run time, but its
 * type package for Node 20 does not declare it and the DOM library would bring in the
 * whole browser.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array)
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>)
    readonly exports: Record<string, unknown>
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number })
    readonly buffer: ArrayBuffer
    grow(pages: number): number
  }
}
