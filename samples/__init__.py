"""What the tests and the benchmarks make on the fly: short clips from insightface's bundled
photos, with sound (clips.py), and a loopback S3-compatible server (s3.py, moto's server mode).
Nothing here is installed, shipped or served."""
