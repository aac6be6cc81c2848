#!/usr/bin/perl
# A PXE ROM's first DHCP message, and what comes back: sends one DHCPDISCOVER
# on INTERFACE (broadcast, from port 68) with the client hardware address MAC,
# the vendor class, client architecture (option 93) and, when given, user
# class (option 77) of the ROM being imitated; then prints every reply heard
# within SECONDS, one line each:
#   reply type=<DHCP message type> from=<server> yiaddr=<a> siaddr=<a> file=<name>
# A proxyDHCP answer is an offer with yiaddr 0.0.0.0; when it names no boot
# file the probe, like a PXE ROM, asks the proxy's port 4011 with a
# DHCPREQUEST (the interface needs an address for that) and prints that reply
# too. dhclient cannot stand in here: it takes no offer without an address.
# Usage: dhcp-probe.pl INTERFACE MAC VENDOR-CLASS ARCH USER-CLASS|- SECONDS [CLIENT-ADDRESS]
use strict;
use warnings;
use Socket qw(AF_INET SOCK_DGRAM SOL_SOCKET SO_BROADCAST SO_REUSEADDR INADDR_ANY INADDR_BROADCAST pack_sockaddr_in unpack_sockaddr_in inet_aton inet_ntoa);

my ($if, $mac, $vendor, $arch, $user, $secs, $ciaddr) = @ARGV;
$ciaddr //= '0.0.0.0';
die "usage: dhcp-probe.pl INTERFACE MAC VENDOR-CLASS ARCH USER-CLASS|- SECONDS\n"
	unless defined $secs && $secs =~ /^\d+$/ && $arch =~ /^\d+$/ && $mac =~ /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
my $SO_BINDTODEVICE = 25;

socket(my $s, AF_INET, SOCK_DGRAM, 0) or die "dhcp-probe: socket: $!\n";
setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1) or die "dhcp-probe: $!\n";
setsockopt($s, SOL_SOCKET, SO_BROADCAST, 1) or die "dhcp-probe: $!\n";
setsockopt($s, SOL_SOCKET, $SO_BINDTODEVICE, pack('Z*', $if)) or die "dhcp-probe: no interface $if: $!\n";
bind($s, pack_sockaddr_in(68, INADDR_ANY)) or die "dhcp-probe: bind to port 68: $!\n";

my $xid = int(rand(2**31));
my $chaddr = pack('H12', join('', split(/:/, $mac)));

# $1: DHCP message type (1 discover, 3 request); $2: the PXE boot item to ask for (a BIOS ROM's menu choice)
sub message {
	my ($type, $item) = @_;
	# op 1, htype 1, hlen 6, hops 0, xid, secs 0, flags: broadcast, ciaddr..giaddr 0, chaddr, sname, file
	# a request to port 4011 comes from the address the client already has
	my $msg = pack('CCCCNnn', 1, 1, 6, 0, $xid, 0, $type == 1 ? 0x8000 : 0) . ($type == 1 ? inet_aton('0.0.0.0') : inet_aton($ciaddr)) . pack('NNN', 0, 0, 0) . $chaddr . ("\0" x 10) . ("\0" x 64) . ("\0" x 128);
	$msg .= pack('N', 0x63825363);
	my $opt = sub { my ($code, $data) = @_; $msg .= pack('CC', $code, length $data) . $data };
	$opt->(53, pack('C', $type));
	$opt->(60, $vendor);
	$opt->(93, pack('n', $arch));
	$opt->(94, pack('CCC', 1, 2, 1));              # UNDI 2.1, as PXE ROMs say
	$opt->(97, pack('C', 0) . ("\x5a" x 16));      # a client UUID: proxyDHCP servers want one
	$opt->(77, $user) if $user ne '-';
	$opt->(55, pack('C*', 1, 3, 43, 60, 66, 67, 97));
	$opt->(43, pack('CCnn', 71, 4, $item, 0) . pack('C', 255)) if defined $item;
	return $msg . pack('C', 255);
}
send($s, message(1), 0, pack_sockaddr_in(67, INADDR_BROADCAST)) or die "dhcp-probe: send: $!\n";

# the first item of the PXE boot menu (option 43, sub-option 9) of a proxy offer
sub boot_item {
	my ($vendor_options) = @_;
	my $j = 0;
	while ($j + 1 < length $vendor_options) {
		my ($sub, $len) = unpack('CC', substr($vendor_options, $j, 2));
		last if $sub == 255;
		return unpack('n', substr($vendor_options, $j + 2, 2)) if $sub == 9 && $len >= 2;
		$j += 2 + $len;
	}
	return undef;
}

my $end = time + $secs;
while ((my $left = $end - time) > 0) {
	my $rin = '';
	vec($rin, fileno($s), 1) = 1;
	last unless select(my $rout = $rin, undef, undef, $left);
	my $from = recv($s, my $buf, 1500, 0);
	next unless defined $from && length($buf) >= 240;
	my ($op, $rxid) = unpack('C x3 N', $buf);
	next unless $op == 2 && $rxid == $xid;
	my ($yiaddr, $siaddr) = (inet_ntoa(substr($buf, 16, 4)), inet_ntoa(substr($buf, 20, 4)));
	(my $file = substr($buf, 108, 128)) =~ s/\0.*//s;
	my ($type, $i, $item) = ('?', 240, undef);
	while ($i < length $buf) {
		my $code = ord(substr($buf, $i, 1));
		last if $code == 255;
		if ($code == 0) { $i++; next }
		my $len = ord(substr($buf, $i + 1, 1));
		$type = ord(substr($buf, $i + 2, 1)) if $code == 53;
		$item = boot_item(substr($buf, $i + 2, $len)) if $code == 43;
		$i += 2 + $len;
	}
	my (undef, $addr) = unpack_sockaddr_in($from);
	printf "reply type=%s from=%s yiaddr=%s siaddr=%s file=%s\n", $type, inet_ntoa($addr), $yiaddr, $siaddr, $file;
	if ($type == 2 && $yiaddr eq '0.0.0.0' && $file eq '') {
		send($s, message(3, $item), 0, pack_sockaddr_in(4011, $addr)) or die "dhcp-probe: send to port 4011: $!\n";
	}
}
