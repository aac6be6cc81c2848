# Copyright 2026 ltsp-ts contributors
# Distributed under the terms of the GNU General Public License v2

EAPI=8

inherit shell-completion

DESCRIPTION="Configure an LTSP thin-client server from one site.toml, with OpenRC services"
HOMEPAGE="https://github.com/ltsp-ts/ltsp-ts"
SRC_URI="https://github.com/ltsp-ts/ltsp-ts/releases/download/v${PV}/${P}.tar.xz"

# GPL-2+ for ltsp-ts; BSD, ISC and MIT for the npm packages bundled into
# ltspcfg-ts.js (listed in licenses/BUNDLED of the tarball)
LICENSE="GPL-2+ BSD ISC MIT"
SLOT="0"
KEYWORDS="~amd64 ~x86"
IUSE="+dhcpd dnsmasq http ipxe +nfs rsyslog syslog-ng xinetd"
# ltspcfg-ts configures one syslog daemon for the clients' logs
REQUIRED_USE="?? ( rsyslog syslog-ng )"

# ltspcfg-ts.bundle.js and ltspcfg-ts.get.js are self-contained, ltspcfg-ts.js
# their launcher (with ltspcfg-ts.launch.js): node (any slot) is all they need to run
RDEPEND="
	>=net-libs/nodejs-20:*
	app-arch/zstd
	net-ftp/tftp-hpa[server(+)]
	sys-block/nbd
	sys-boot/syslinux
	sys-fs/squashfs-tools[zstd]
	dhcpd? ( net-misc/dhcp[server] )
	dnsmasq? ( net-dns/dnsmasq )
	http? ( www-servers/lighttpd )
	ipxe? ( sys-firmware/ipxe[undi,uefi64] )
	nfs? ( net-fs/nfs-utils )
	rsyslog? ( app-admin/rsyslog )
	syslog-ng? ( app-admin/syslog-ng )
	xinetd? ( sys-apps/xinetd )
"

src_prepare() {
	default
	# node's own path on the launcher's #! line: no /usr/bin/env to run first at every start
	sed -i "1s|^#!/usr/bin/env node$|#!${EPREFIX}/usr/bin/node|" ltspcfg-ts.js || die
}

src_install() {
	exeinto /usr/lib/ltsp-ts
	doexe ltspcfg-ts.js
	insinto /usr/lib/ltsp-ts
	doins ltspcfg-ts.bundle.js ltspcfg-ts.get.js ltspcfg-ts.launch.js
	dosym -r /usr/lib/ltsp-ts/ltspcfg-ts.js /usr/bin/ltspcfg-ts

	doinitd init.d/*
	doconfd conf.d/*

	# the wiki's sample network, as a start; CONFIG_PROTECT keeps the admin's copy
	insinto /etc/ltsp
	newins examples/wiki-sample.toml site.toml

	doman man/ltspcfg-ts.8
	newbashcomp completion/ltspcfg-ts.bash ltspcfg-ts

	dodoc README.md
	docinto examples
	dodoc examples/*.toml
	docompress -x "/usr/share/doc/${PF}/examples"

	# state and backups of ltspcfg-ts; the swap files the clients use over
	# NFS. /var/cache/ltsp-ts (the V8 code caches) is made by the first run.
	keepdir /var/lib/ltsp-ts /var/opt/ltsp/swapfiles
}

pkg_postinst() {
	# the V8 code caches (one for the whole CLI, one for `get`) are made by the
	# node that will run ltspcfg-ts: any run writes its own when it is missing
	# (and removes those of other versions or nodes). They are only a hint:
	# without them, ltspcfg-ts starts slower.
	if [[ -z ${ROOT} ]]; then
		local sample="${EROOT}/usr/share/doc/${PF}/examples/wiki-sample.toml"
		"${EROOT}"/usr/bin/ltspcfg-ts --config "${sample}" render dhcpd >/dev/null 2>&1
		"${EROOT}"/usr/bin/ltspcfg-ts --config "${sample}" get tftp.root >/dev/null 2>&1
		compgen -G "${EROOT}/var/cache/ltsp-ts/ltspcfg-ts-*.cache" >/dev/null ||
			ewarn "ltspcfg-ts made no code cache in ${EROOT}/var/cache/ltsp-ts; it starts slower"
	fi
	if [[ -z ${REPLACING_VERSIONS} ]]; then
		elog "Describe the site in ${EROOT}/etc/ltsp/site.toml (examples and"
		elog "ltspcfg-ts(8) list every key; ${EROOT}/usr/share/doc/${PF}/examples), then:"
		elog "  ltspcfg-ts --gentoo"
		elog "  rc-update add dhcpd.1067 default && rc-service dhcpd.1067 start"
		elog "  rc-update add ltsp-tftpd default && rc-service ltsp-tftpd start"
		elog "  ltspcfg-ts image"
		elog "  rc-update add ltsp-nbd default && rc-service ltsp-nbd start"
		elog "  rc-update add ltsp-httpd default && rc-service ltsp-httpd start   (http.enabled = true)"
		elog "The first shows what the server lacks and writes every configuration file;"
		elog "dhcpd.1067 serves the port-1067 and nfsroot DHCP modes; ltspcfg-ts image"
		elog "builds the [[image]] client roots that ltsp-nbd serves."
	fi
}

pkg_postrm() {
	# the code caches and get's kept answers belong to no package: a removal takes them along
	if [[ -z ${REPLACED_BY_VERSION} ]]; then
		rm -f "${EROOT}"/var/cache/ltsp-ts/ltspcfg-ts-*.{cache,json} || die
	fi
}
