// Imported first by every benchmark that times a node program: run it in the
// environment of a Gentoo server, not of the machine the benchmark happens to
// run on. NODE_EXTRA_CA_CERTS makes node 20 read and parse a whole certificate
// bundle at every start, before any script runs (about 70 ms on a 2-core
// machine, twice `node -e 0` itself), and no ltspcfg-ts command opens a TLS
// connection. Left set, it would pad every start-up figure, ours and the
// `node -e 0` floor alike, and hide the ratios the benchmarks exist to show.
delete process.env.NODE_EXTRA_CA_CERTS;
