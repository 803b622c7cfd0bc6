/** How fixtures/state/levelN.sqlite are made; shared by the script and the test that re-derives them. */
export const STATE_FIXTURE_ROWS = 400;
export const STATE_FIXTURE_SEED = 4242;
