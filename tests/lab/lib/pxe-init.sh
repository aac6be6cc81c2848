#!/bin/busybox sh
# shellcheck shell=dash
# /init of the PXE lab's initramfs (built by pxe-cache.sh). Debian's kernel
# has its NIC drivers as modules and no IP autoconfiguration, so this does
# what a thin client's initramfs does after pxelinux: load the NIC driver,
# print a marker on the console, ask DHCP again for the root path and
# option 129, show them, then power the machine off.
/bin/busybox mkdir -p /proc /sys /dev /tmp /bin /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

off() {
	sync
	poweroff -f
	reboot -f
}

echo # pxelinux's menu leaves the cursor at the end of a line
echo "LTSPX-MARKER initramfs up after $(cut -d' ' -f1 /proc/uptime) s"
echo "LTSPX-CMDLINE $(cat /proc/cmdline)"

insmod /lib/modules/e1000.ko || echo "LTSPX-ERROR insmod e1000 failed"
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -e /sys/class/net/eth0 ] || { echo "LTSPX-ERROR no eth0"; off; }
ip link set lo up
ip link set eth0 up
# a DISCOVER sent before the link is up is lost, and udhcpc waits -T s to resend
i=0
while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

# the second DHCP request of a thin client: root-path (17) and option 129
# ("NIC=... IO=... MOPTS=..." for LTSP's initramfs); udhcpc -n gives up
# after -t tries, -q exits once bound
if ! udhcpc -i eth0 -f -q -n -t 6 -T 2 -O rootpath -O 129 -s /udhcpc.script; then
	echo "LTSPX-DHCP failed"
fi
echo "LTSPX-DONE"
off
