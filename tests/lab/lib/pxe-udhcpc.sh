#!/bin/sh
# shellcheck disable=SC2154 # ip, mask, interface, rootpath... come from udhcpc
# udhcpc's event script in the PXE lab's initramfs: prints what the thin
# client was told. busybox udhcpc exports options it has no name for as
# optNNN=<hex>; option 129 is text, decoded here.
case "$1" in
bound | renew)
	ip addr add "$ip/${mask:-24}" dev "$interface" 2>/dev/null
	o129=""
	[ -n "${opt129:-}" ] && o129=$(printf '%b' "$(echo "$opt129" | sed 's/../\\x&/g')")
	echo "LTSPX-DHCP ip=$ip server=${serverid:-} siaddr=${siaddr:-} boot_file=${boot_file:-}"
	echo "LTSPX-ROOTPATH ${rootpath:-}"
	echo "LTSPX-OPT129 ${o129}"
	;;
leasefail | nak)
	echo "LTSPX-DHCP $1"
	;;
esac
exit 0
