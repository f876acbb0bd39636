import { parentPort, workerData } from 'node:worker_threads'
import * as sass from 'sass'

/**
 * Compiles the stylesheet in a worker thread (see `stylesheet` in assets.ts): Sass's compiler is
 * JavaScript that holds the thread it runs on for the whole compile — seconds, tens of seconds on a
 * loaded machine — and on the main thread that would stop the deadline workers and heartbeats.
 */
const { file, loadPaths } = workerData as { file: string; loadPaths: string[] }
const result = sass.compile(file, { loadPaths, style: 'compressed', quietDeps: true })
parentPort!.postMessage(result.css)
