// The product name and version, for the User-Agent of deliveries.
export const PRODUCT = "msr-webhooks";
export const VERSION = "0.1.0";
