// esbuild's binary loader: a bundled file as bytes (scripts/explorer.mjs).
declare module '*.safetensors' {
  const bytes: Uint8Array;
  export default bytes;
}
declare const LAB_WORKER_SOURCE: string;
