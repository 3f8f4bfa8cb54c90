// Deployed only when the stack was synthesized before the functions were packaged. Failing at start-up
// makes the deploy fail loudly instead of serving a function that silently drops readings.
throw new Error(
  'kilowatch: this function was deployed from the placeholder source. Run `npx tsx infra/package-functions.ts` ' +
    '(builds dist/ and stages dist/deploy/<function>), then `npm run infra:synth` and apply again.',
);
