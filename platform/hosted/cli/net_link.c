/*
 * The host's side of the TAP link, configured through libnl (route
 * netlink): the interface comes up, and with --peer it gets the host's
 * address on the link, so Linux programs here can reach the stack.
 * IPv6 is switched off on the interface first, so Linux's router
 * solicitations and duplicate-address probes do not reach a stack that
 * only speaks IPv4 (it would count and drop them, but they are noise in
 * every trace).
 *
 * This is host code in the biscotti program only: the platform library,
 * which every unit test links, stays free of libnl.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <linux/if.h>

#include "net.h"

/* Best effort: a missing /proc/sys/net/ipv6 just means no IPv6. */
static void
disable_ipv6(const char *ifname)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
	    ifname);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("1\n", f);
		fclose(f);
	}
}

/* Give ifindex the address cidr ("A.B.C.D/N"): 0 or a libnl error. */
static int
add_address(struct nl_sock *sk, int ifindex, const char *cidr)
{
	struct rtnl_addr *ra;
	struct nl_addr *local;
	int err;

	if ((err = nl_addr_parse(cidr, AF_INET, &local)) < 0)
		return err;
	if ((ra = rtnl_addr_alloc()) == NULL) {
		nl_addr_put(local);
		return -NLE_NOMEM;
	}
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, AF_INET);
	err = rtnl_addr_set_local(ra, local);
	if (err == 0) {
		rtnl_addr_set_prefixlen(ra, (int)nl_addr_get_prefixlen(local));
		err = rtnl_addr_add(sk, ra, 0);
		if (err == -NLE_EXIST)
			err = 0;
	}
	rtnl_addr_put(ra);
	nl_addr_put(local);
	return err;
}

int
net_link_configure(const char *ifname, const char *peer_cidr, char *errbuf,
    size_t errlen)
{
	struct rtnl_link *link = NULL, *change = NULL;
	struct nl_sock *sk;
	const char *what = "netlink socket";
	int err;

	disable_ipv6(ifname);
	if ((sk = nl_socket_alloc()) == NULL) {
		snprintf(errbuf, errlen, "libnl: no memory");
		return -1;
	}
	if ((err = nl_connect(sk, NETLINK_ROUTE)) < 0)
		goto out;
	what = "find link";
	if ((err = rtnl_link_get_kernel(sk, 0, ifname, &link)) < 0)
		goto out;
	what = "link up";
	if ((change = rtnl_link_alloc()) == NULL) {
		err = -NLE_NOMEM;
		goto out;
	}
	rtnl_link_set_flags(change, IFF_UP);
	if ((err = rtnl_link_change(sk, link, change, 0)) < 0)
		goto out;
	if (peer_cidr != NULL) {
		what = "host address";
		err = add_address(sk, rtnl_link_get_ifindex(link), peer_cidr);
	}
out:
	if (err < 0)
		snprintf(errbuf, errlen, "%s %s: %s", ifname, what,
		    nl_geterror(err));
	if (change != NULL)
		rtnl_link_put(change);
	if (link != NULL)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return err < 0 ? -1 : 0;
}
