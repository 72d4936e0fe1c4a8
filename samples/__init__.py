"""Sample media made on the fly, for the tests and the benchmarks alike: short clips from
insightface's bundled photos, with sound. Nothing here is installed, shipped or served."""
