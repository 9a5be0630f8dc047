export * from "./device-id.ts";
export * from "./topics.ts";
export * from "./layers.ts";
export * from "./catalog.ts";
export * from "./messages.ts";
export * from "./decode.ts";
export * from "./bounds.ts";
export * from "./json-depth.ts";
