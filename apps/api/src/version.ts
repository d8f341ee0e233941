// The product name and version, for User-Agent headers and the OpenAPI document.
export const PRODUCT = "msr-webhooks";
export const VERSION = "0.1.0";
