# SPDX-License-Identifier: Apache-2.0
"""appgen: application-layer payloads for the sensor's decoder tests.

Builds the bytes of DNS, TLS, HTTP, DHCP, mDNS, NetBIOS-NS, SMB and RDP
messages, for the fuzz seed corpora (tests/fuzz/corpus/<target>/), the unit
tests (which read those seeds) and the integration captures written with
pcapgen. Everything is constructed here from the protocol specifications;
names and addresses are documentation values. Run as a script to (re)write
the seed corpora:

    python3 tests/sensor/gen/appgen.py tests/fuzz/corpus
"""
import ipaddress
import os
import struct
import sys

# ---- DNS ------------------------------------------------------------------


def dns_name(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".") if l) + b"\0"


def dns_header(ident, flags, qd, an, ns=0, ar=0):
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


def dns_query(name, qtype=1, ident=0x1234, flags=0x0100):
    return dns_header(ident, flags, 1, 0) + dns_name(name) + struct.pack("!HH", qtype, 1)


def dns_rr(owner, rtype, rdata, ttl=300, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def dns_response_full(ident=0xBEEF):
    """A response with compression pointers: CNAME, A, AAAA, MX, TXT, SOA."""
    q = dns_name("www.example.com")  # at offset 12
    msg = dns_header(ident, 0x8180, 1, 5, 1, 0) + q + struct.pack("!HH", 1, 1)
    ptr_q = b"\xc0\x0c"
    # CNAME www.example.com -> web.example.com (web + pointer to example.com at 16)
    msg += dns_rr(ptr_q, 5, b"\x03web\xc0\x10")
    msg += dns_rr(b"\x03web\xc0\x10", 1, ipaddress.IPv4Address("192.0.2.10").packed, ttl=60)
    msg += dns_rr(ptr_q, 28, ipaddress.IPv6Address("2001:db8::10").packed, ttl=60)
    msg += dns_rr(b"\xc0\x10", 15, struct.pack("!H", 10) + b"\x04mail\xc0\x10")
    msg += dns_rr(b"\xc0\x10", 16, b"\x05hello\x05world")
    soa = b"\x03ns1\xc0\x10" + b"\x0ahostmaster\xc0\x10" + struct.pack("!IIIII", 2026040101, 7200,
                                                                         900, 1209600, 300)
    msg += dns_rr(b"\xc0\x10", 6, soa, ttl=3600)
    return msg


def dns_nxdomain(name="nosuch.example.net", ident=0x4242):
    return dns_header(ident, 0x8183, 1, 0) + dns_name(name) + struct.pack("!HH", 1, 1)


def dns_loop():
    """A name whose compression pointer points at itself."""
    return dns_header(1, 0x0100, 1, 0) + b"\xc0\x0c" + struct.pack("!HH", 1, 1)


def dns_tcp(msg):
    return struct.pack("!H", len(msg)) + msg

# ---- TLS ------------------------------------------------------------------


def tls_record(ctype, body, version=0x0301):
    return struct.pack("!BHH", ctype, version, len(body)) + body


def tls_handshake(htype, body):
    return struct.pack("!B", htype) + len(body).to_bytes(3, "big") + body


def ext(etype, data):
    return struct.pack("!HH", etype, len(data)) + data


def ext_sni(host):
    h = host.encode()
    entry = b"\x00" + struct.pack("!H", len(h)) + h
    return ext(0, struct.pack("!H", len(entry)) + entry)


def ext_alpn(protos):
    body = b"".join(bytes([len(p)]) + p.encode() for p in protos)
    return ext(16, struct.pack("!H", len(body)) + body)


def u16s(values):
    return b"".join(struct.pack("!H", v) for v in values)


def client_hello(ciphers, extensions, version=0x0303):
    body = struct.pack("!H", version) + bytes(range(32)) + b"\x00"
    body += struct.pack("!H", 2 * len(ciphers)) + u16s(ciphers) + b"\x01\x00"
    exts = b"".join(extensions)
    if extensions is not None:
        body += struct.pack("!H", len(exts)) + exts
    return tls_handshake(1, body)


def ja4_vector_hello():
    """A ClientHello with the cipher suites, extensions and signature
    algorithms of the worked example in FoxIO's JA4 specification
    (github.com/FoxIO-LLC/ja4, technical_details/JA4.md):
    JA4 = t13d1516h2_8daaf6152771_e5627efa2ab1. GREASE values are added
    (RFC 8701) to check that they are ignored."""
    ciphers = [0x0A0A, 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8,
               0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035]
    sigalgs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    exts = [
        ext(0x1A1A, b""),
        ext_sni("www.example.com"),
        ext(0x0017, b""),
        ext(0xFF01, b"\x00"),
        ext(0x000A, struct.pack("!H", 8) + u16s([0x2A2A, 0x001D, 0x0017, 0x0018])),
        ext(0x000B, b"\x01\x00"),
        ext(0x0023, b""),
        ext_alpn(["h2", "http/1.1"]),
        ext(0x0005, b"\x01\x00\x00\x00\x00"),
        ext(0x000D, struct.pack("!H", 2 * len(sigalgs)) + u16s(sigalgs)),
        ext(0x0012, b""),
        ext(0x0033, struct.pack("!H", 0)),
        ext(0x002D, b"\x01\x01"),
        ext(0x002B, b"\x06" + u16s([0x3A3A, 0x0304, 0x0303])),
        ext(0x001B, b"\x02\x00\x02"),
        ext(0x4469, b"\x00\x03\x02h2"),
        ext(0x0015, b"\x00" * 8),
        ext(0x4A4A, b"\x00"),
    ]
    return client_hello(ciphers, exts)


def ja3_vector_hello():
    """The ClientHello behind the example in salesforce/ja3's README:
    769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0
    -> ada70206e40642a3e4461f35503241d5."""
    ciphers = [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4]
    exts = [ext_sni("ja3.example.org"),
            ext(10, struct.pack("!H", 6) + u16s([23, 24, 25])),
            ext(11, b"\x01\x00")]
    return client_hello(ciphers, exts, version=0x0301)


def server_hello(cipher=0xC02F, version=0x0303, extensions=()):
    body = struct.pack("!H", version) + bytes(32) + b"\x00" + struct.pack("!HB", cipher, 0)
    exts = b"".join(extensions)
    body += struct.pack("!H", len(exts)) + exts
    return tls_handshake(2, body)


def der(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = b"\x81" + bytes([n])
    else:
        ln = b"\x82" + struct.pack("!H", n)
    return bytes([tag]) + ln + body


def der_name(pairs):
    oids = {"C": b"\x55\x04\x06", "O": b"\x55\x04\x0a", "CN": b"\x55\x04\x03",
            "OU": b"\x55\x04\x0b", "ST": b"\x55\x04\x08", "L": b"\x55\x04\x07"}
    rdns = b""
    for k, v in pairs:
        tag = 0x13 if k == "C" else 0x0C
        rdns += der(0x31, der(0x30, der(0x06, oids[k]) + der(tag, v.encode())))
    return der(0x30, rdns)


def certificate_der(not_before=b"260101000000Z", not_after=b"20270131235959Z"):
    """A structurally valid (unsigned) certificate: serial 0x0a1b2c3d4e,
    issuer C=JP, O=Example CA, CN=Example Root; subject C=JP, O=Example
    KK, CN=www.example.jp; valid 2026-01-01 .. 2027-01-31 (one UTCTime,
    one GeneralizedTime: the form follows the text's length); subjectAltName
    DNS:www.example.jp, DNS:example.jp, IP:192.0.2.80 (behind a critical
    basicConstraints extension)."""
    version = der(0xA0, der(0x02, b"\x02"))
    serial = der(0x02, bytes.fromhex("0a1b2c3d4e"))
    alg = der(0x30, der(0x06, bytes.fromhex("2a864886f70d01010b")) + b"\x05\x00")
    issuer = der_name([("C", "JP"), ("O", "Example CA"), ("CN", "Example Root")])
    validity = der(0x30, b"".join(der(0x17 if len(t) == 13 else 0x18, t)
                                  for t in (not_before, not_after)))
    subject = der_name([("C", "JP"), ("O", "Example KK"), ("CN", "www.example.jp")])
    spki = der(0x30, alg + der(0x03, b"\x00\x01\x02"))
    basic = der(0x30, der(0x06, b"\x55\x1d\x13") + b"\x01\x01\xff" + der(0x04, der(0x30, b"")))
    names = der(0x82, b"www.example.jp") + der(0x82, b"example.jp") + \
        der(0x87, ipaddress.IPv4Address("192.0.2.80").packed)
    san = der(0x30, der(0x06, b"\x55\x1d\x11") + der(0x04, der(0x30, names)))
    exts = der(0xA3, der(0x30, basic + san))
    tbs = der(0x30, version + serial + alg + issuer + validity + subject + spki + exts)
    return der(0x30, tbs + alg + der(0x03, b"\x00" + bytes(16)))


def certificate_msg(certs):
    body = b"".join(len(c).to_bytes(3, "big") + c for c in certs)
    return tls_handshake(11, len(body).to_bytes(3, "big") + body)


def tls12_server_flight(cert=None):
    hs = server_hello(extensions=[ext(0xFF01, b"\x00"), ext_alpn(["h2"])])
    hs += certificate_msg([cert or certificate_der()]) + tls_handshake(14, b"")
    return tls_record(22, hs, 0x0303)


def tls13_server_flight():
    hs = server_hello(cipher=0x1301, extensions=[ext(0x002B, b"\x03\x04"),
                                                 ext(0x0033, b"\x00\x1d\x00\x00")])
    return tls_record(22, hs, 0x0303) + tls_record(20, b"\x01", 0x0303) + \
        tls_record(23, bytes(40), 0x0303)

# ---- HTTP -----------------------------------------------------------------


def http_request(host="www.example.com", uri="/index.html", ua="mamori-test/1.0",
                 method="GET", body=b""):
    head = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nReferer: http://ref.example/\r\n" % (
        method, uri, host, ua)
    if body:
        head += "Content-Length: %d\r\n" % len(body)
    return head.encode() + b"\r\n" + body


def http_response(status=200, body=b"hello", chunked=False, ctype="text/html"):
    head = "HTTP/1.1 %d OK\r\nContent-Type: %s\r\n" % (status, ctype)
    if chunked:
        head += "Transfer-Encoding: chunked\r\n\r\n"
        data = b""
        for i in range(0, len(body), 3):
            c = body[i:i + 3]
            data += b"%x\r\n" % len(c) + c + b"\r\n"
        return head.encode() + data + b"0\r\n\r\n"
    head += "Content-Length: %d\r\n\r\n" % len(body)
    return head.encode() + body

# ---- DHCP -----------------------------------------------------------------


def dhcp_message(op=1, msg_type=3, xid=0x3903F326, mac="02:00:00:00:00:01",
                 yiaddr="0.0.0.0", ciaddr="0.0.0.0", options=None):
    chaddr = bytes(int(x, 16) for x in mac.split(":")) + bytes(10)
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s", op, 1, 6, 0, xid, 0, 0,
                      ipaddress.IPv4Address(ciaddr).packed, ipaddress.IPv4Address(yiaddr).packed,
                      bytes(4), bytes(4), chaddr) + bytes(64 + 128)
    opts = bytes([53, 1, msg_type])
    for code, data in (options or []):
        opts += bytes([code, len(data)]) + data
    return hdr + bytes([99, 130, 83, 99]) + opts + b"\xff"


def dhcp_request_windows():
    """A DHCPREQUEST as a Windows 10 PC sends it (fingerprint 1,3,6,15,31,33,43,44,46,47,119,
    121,249,252)."""
    mac = bytes.fromhex("020000000001")
    return dhcp_message(options=[
        (61, b"\x01" + mac),
        (50, ipaddress.IPv4Address("192.168.1.23").packed),
        (12, b"DESKTOP-MAMORI"),
        (81, b"\x00\x00\x00DESKTOP-MAMORI"),
        (60, b"MSFT 5.0"),
        (55, bytes([1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252])),
    ])


def dhcp_ack():
    return dhcp_message(op=2, msg_type=5, yiaddr="192.168.1.23", options=[
        (54, ipaddress.IPv4Address("192.168.1.1").packed),
        (51, struct.pack("!I", 86400)),
        (1, ipaddress.IPv4Address("255.255.255.0").packed),
        (3, ipaddress.IPv4Address("192.168.1.1").packed),
        (6, ipaddress.IPv4Address("192.168.1.1").packed + ipaddress.IPv4Address("192.0.2.53").packed),
    ])

# ---- mDNS / NetBIOS ---------------------------------------------------------


def mdns_announce(host="Office-iPhone", ip="192.168.1.40"):
    owner = dns_name(host + ".local")
    rev = dns_name(".".join(reversed(ip.split("."))) + ".in-addr.arpa")
    msg = dns_header(0, 0x8400, 0, 2)
    msg += dns_rr(owner, 1, ipaddress.IPv4Address(ip).packed, ttl=120, rclass=0x8001)
    msg += dns_rr(rev, 12, b"\x0d" + host.encode() + b"\xc0" + bytes([12 + len(host) + 1]),
                  ttl=120, rclass=0x8001)
    return msg


def nb_name(name, suffix=0x00):
    raw = name.upper().ljust(15)[:15].encode() + bytes([suffix])
    enc = bytearray()
    for b in raw:
        enc += bytes([ord("A") + (b >> 4), ord("A") + (b & 0xF)])
    return b"\x20" + bytes(enc) + b"\x00"


def nbns_registration(name="OFFICE-PC", ip="192.168.1.50"):
    msg = struct.pack("!HHHHHH", 0x8001, 0x2910, 1, 0, 0, 1)
    msg += nb_name(name) + struct.pack("!HH", 0x20, 1)
    msg += b"\xc0\x0c" + struct.pack("!HHIH", 0x20, 1, 300000, 6) + b"\x00\x00" + \
        ipaddress.IPv4Address(ip).packed
    return msg


def nbns_query(name="FILESERVER"):
    return struct.pack("!HHHHHH", 0x8002, 0x0110, 1, 0, 0, 0) + nb_name(name, 0x20) + \
        struct.pack("!HH", 0x20, 1)

# ---- SMB ------------------------------------------------------------------


def nbss_frame(msg):
    return b"\x00" + len(msg).to_bytes(3, "big") + msg


def smb1_header(command, reply=False, unicode=True):
    flags = 0x98 if reply else 0x18
    flags2 = 0xC807 if unicode else 0x4807
    return b"\xffSMB" + struct.pack("<BIBH", command, 0, flags, flags2) + bytes(12) + \
        struct.pack("<HHHH", 0, 0xFEFF, 0, 1)


def smb1_negotiate_request(dialects=("PC NETWORK PROGRAM 1.0", "LANMAN1.0", "NT LM 0.12")):
    data = b"".join(b"\x02" + d.encode() + b"\0" for d in dialects)
    return nbss_frame(smb1_header(0x72) + b"\x00" + struct.pack("<H", len(data)) + data)


def smb1_negotiate_response(index=2):
    words = struct.pack("<HBHHIIIIQhB", index, 3, 50, 1, 16644, 65536, 0, 0xE3FD, 0, 0, 0)
    return nbss_frame(smb1_header(0x72, reply=True) + bytes([len(words) // 2]) + words + b"\0\0")


def utf16(s):
    return s.encode("utf-16-le") + b"\0\0"


def smb1_session_setup_request(os_name="Windows 5.1", lm="Windows 2000 LAN Manager"):
    blob = b"NTLMSSP\0" + bytes(8)
    hdr = smb1_header(0x73)
    words = struct.pack("<BBHHHHIHII", 0xFF, 0, 0, 4356, 10, 0, 0, len(blob), 0, 0x800000D4)
    wc = bytes([len(words) // 2])
    data = blob
    off = len(hdr) + 1 + len(words) + 2 + len(data)
    if off % 2:
        data += b"\0"
    data += utf16(os_name) + utf16(lm)
    return nbss_frame(hdr + wc + words + struct.pack("<H", len(data)) + data)


def smb1_session_setup_response(os_name="Windows 7 Ultimate 7601 Service Pack 1",
                                lm="Windows 7 Ultimate 6.1"):
    blob = bytes(9)
    hdr = smb1_header(0x73, reply=True)
    words = struct.pack("<BBHHH", 0xFF, 0, 0, 0, len(blob))
    data = blob
    off = len(hdr) + 1 + len(words) + 2 + len(data)
    if off % 2:
        data += b"\0"
    data += utf16(os_name) + utf16(lm) + utf16("WORKGROUP")
    return nbss_frame(hdr + bytes([len(words) // 2]) + words + struct.pack("<H", len(data)) + data)


def smb2_header(command, reply=False):
    return b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ16s", 64, 0, 0, command, 1, 1 if reply else 0, 0,
                                    0, 0xFEFF, 0, 0, bytes(16))


def smb2_negotiate_request(dialects=(0x0202, 0x0210, 0x0300, 0x0302, 0x0311)):
    body = struct.pack("<HHHHI16sIHH", 36, len(dialects), 1, 0, 0x7F, bytes(16), 0, 0, 0)
    body += b"".join(struct.pack("<H", d) for d in dialects)
    return nbss_frame(smb2_header(0) + body)


def smb2_negotiate_response(dialect=0x0311):
    body = struct.pack("<HHHH16sIIII", 65, 1, dialect, 0, bytes(16), 0x2F, 8388608, 8388608,
                       8388608) + bytes(16) + struct.pack("<HHI", 128, 0, 0)
    return nbss_frame(smb2_header(0, reply=True) + body)

# ---- RDP ------------------------------------------------------------------


def rdp_connection_request(cookie="yamada"):
    var = ("Cookie: mstshash=%s\r\n" % cookie).encode() + struct.pack("<BBHI", 1, 0, 8, 3)
    x224 = bytes([6 + len(var), 0xE0]) + b"\0\0\0\0\0" + var
    return struct.pack("!BBH", 3, 0, 4 + len(x224)) + x224


def rdp_connection_confirm(protocol=1):
    var = struct.pack("<BBHI", 2, 0x1F, 8, protocol)
    x224 = bytes([6 + len(var), 0xD0]) + b"\0\0\x12\x34\0" + var
    return struct.pack("!BBH", 3, 0, 4 + len(x224)) + x224

# ---- seed corpora -----------------------------------------------------------


def corpora():
    return {
        "dns": {"query-a": dns_query("www.example.com"),
                "response-full": dns_response_full(),
                "nxdomain": dns_nxdomain(),
                "tcp-two-messages": dns_tcp(dns_query("a.example")) + dns_tcp(dns_nxdomain()),
                "loop": dns_loop()},
        "dnstcp": {"two-messages": dns_tcp(dns_query("a.example")) + dns_tcp(dns_response_full())},
        "tls": {"client-hello-ja4": tls_record(22, ja4_vector_hello()),
                "client-hello-ja3": tls_record(22, ja3_vector_hello()),
                "server-tls12": tls12_server_flight(),
                # February 30 (UTCTime), February 29 of 2027 (GeneralizedTime)
                "server-tls12-impossible-dates": tls12_server_flight(
                    certificate_der(b"260230000000Z", b"20270229235959Z")),
                "server-tls13": tls13_server_flight()},
        "http": {"request": http_request(),
                 "post": http_request(method="POST", uri="/upload", body=b"a=1&b=2"),
                 "response": http_response(),
                 "response-chunked": http_response(body=b"chunked body here", chunked=True)},
        "dhcp": {"request-windows": dhcp_request_windows(), "ack": dhcp_ack()},
        "mdns": {"announce": mdns_announce(), "query": dns_query("_airplay._tcp.local", 12, 0, 0)},
        "nbns": {"registration": nbns_registration(), "query": nbns_query()},
        "smb": {"smb1-negotiate": smb1_negotiate_request(),
                "smb1-negotiate-response": smb1_negotiate_response(),
                "smb1-session-setup": smb1_session_setup_request(),
                "smb1-session-setup-response": smb1_session_setup_response(),
                "smb2-negotiate": smb2_negotiate_request(),
                "smb2-negotiate-response": smb2_negotiate_response()},
        "rdp": {"connection-request": rdp_connection_request(),
                "connection-confirm": rdp_connection_confirm()},
    }


def main(argv):
    root = argv[1] if len(argv) > 1 else "tests/fuzz/corpus"
    for target, files in corpora().items():
        os.makedirs(os.path.join(root, target), exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(root, target, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main(sys.argv)
