#!/usr/bin/perl
# xdmcp-query.pl SOURCE SERVER [PORT]: sends one XDMCP Query (no authentication
# names) from SOURCE to SERVER and prints the opcode of the answer: 5 is
# Willing, 6 Unwilling; "none" when nothing answers within 3 seconds or the
# port is closed.
use strict;
use warnings;
use IO::Socket::INET;

my ($source, $server, $port) = @ARGV;
$port //= 177;
my $sock = IO::Socket::INET->new(Proto => 'udp', LocalAddr => $source, PeerAddr => "$server:$port")
  or die "xdmcp-query: socket: $!\n";
# header: protocol version 1, opcode 2 (Query), length 1; then an empty ARRAYofARRAY8
$sock->send(pack('nnnC', 1, 2, 1, 0)) or die "xdmcp-query: send: $!\n";
my $ready = '';
vec($ready, fileno($sock), 1) = 1;
if (select($ready, undef, undef, 3)) {
	# nothing listening: the port-unreachable error makes recv fail
	my $answer = '';
	if (defined $sock->recv($answer, 4096) && length($answer) >= 4) {
		my (undef, $opcode) = unpack('nn', $answer);
		print "$opcode\n";
	} else {
		print "none\n";
	}
} else {
	print "none\n";
}
