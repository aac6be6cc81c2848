#!/usr/bin/perl
# Sends an IPv6 router advertisement (no prefix, router lifetime 0, neither
# managed nor other configuration) to all nodes on one interface every
# quarter second, for at most SECONDS. iPXE waits about 15 s for a router
# after its DHCP exchange; this answer ends the wait at once. Link-local only.
# Usage: pxe-ra.pl INTERFACE SECONDS
use strict;
use warnings;
use Socket qw(AF_INET6 SOCK_RAW inet_pton pack_sockaddr_in6);

my ($if, $secs) = @ARGV;
die "usage: pxe-ra.pl INTERFACE SECONDS\n" unless defined $secs && $secs =~ /^\d+$/;
open(my $f, '<', "/sys/class/net/$if/ifindex") or die "pxe-ra: no interface $if\n";
chomp(my $index = <$f>);
close $f;

my ($IPPROTO_ICMPV6, $IPPROTO_IPV6, $IPV6_MULTICAST_IF, $IPV6_MULTICAST_HOPS) = (58, 41, 17, 18);
socket(my $s, AF_INET6, SOCK_RAW, $IPPROTO_ICMPV6) or die "pxe-ra: socket: $!\n";
setsockopt($s, $IPPROTO_IPV6, $IPV6_MULTICAST_IF, pack('I', $index)) or die "pxe-ra: $!\n";
setsockopt($s, $IPPROTO_IPV6, $IPV6_MULTICAST_HOPS, pack('i', 255)) or die "pxe-ra: $!\n";

# type 134, code 0, checksum (the kernel fills it in), current hop limit 0,
# flags 0, router lifetime 0, reachable time 0, retransmission timer 0
my $ra = pack('CCnCCnNN', 134, 0, 0, 0, 0, 0, 0, 0);
my $to = pack_sockaddr_in6(0, inet_pton(AF_INET6, 'ff02::1'), $index);
for (1 .. $secs * 4) {
	send($s, $ra, 0, $to);    # fails while the link-local address is tentative; the next one goes
	select(undef, undef, undef, 0.25);
}
