import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    // Integration tests start real agents and Prometheus; give them room, but never guess with sleeps.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: real daemons per file; keep parallel files bounded.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
