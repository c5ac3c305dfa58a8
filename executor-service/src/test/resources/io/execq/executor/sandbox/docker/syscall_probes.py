# Attacker-side probes of the Docker sandbox's seccomp profile (x86-64), run inside the sandbox by DockerHardeningIT.
# Prints one JSON object: probe name -> "ok" or the errno name the kernel (or the filter) answered.
import ctypes, errno, json, mmap, os, signal, socket, struct

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]


def sc(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    return "ok" if r >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


_buffers = []  # every buffer handed to the kernel lives until the end: it may write into it (io_uring_setup does)


def buffer(size_or_bytes):
    buf = ctypes.create_string_buffer(size_or_bytes)
    _buffers.append(buf)
    return ctypes.addressof(buf)


def text(s):
    return buffer(s.encode())


# A 32-bit system call from this 64-bit process (int 0x80): seccomp sees it as the i386 ABI.
_page = libc.mmap(None, 4096, 7, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x40, -1, 0)  # MAP_32BIT, rwx


def i386(eax, ebx=0, ecx=0, edx=0):
    code = (b"\x53\xb8" + struct.pack("<I", eax) + b"\xbb" + struct.pack("<I", ebx) + b"\xb9" + struct.pack("<I", ecx)
            + b"\xba" + struct.pack("<I", edx) + b"\xcd\x80\x5b\xc3")  # push rbx; mov; mov; mov; mov; int 0x80; pop rbx; ret
    ctypes.memmove(_page, code, len(code))
    r = ctypes.CFUNCTYPE(ctypes.c_int)(_page)()
    return "ok" if r >= 0 else errno.errorcode.get(-r, str(-r))


def loopback_tcp():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=5)
    peer, _ = server.accept()
    client.sendall(b"ping")
    return "ok" if peer.recv(4) == b"ping" else "mismatch"


def unix_pair():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    a.sendall(b"ping")
    return "ok" if b.recv(4) == b"ping" else "mismatch"


def guarded(probe):
    try:
        return probe()
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def in_child(probe):
    """Runs probe in a forked child: its answer, or the name of the signal that killed it."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os.write(write_end, probe().encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as answer:
        out = answer.read()
    _, status = os.waitpid(pid, 0)
    return signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else out


def i386_socketcall_vsock():
    args = ctypes.c_uint32 * 3
    ctypes.cast(_page + 2048, ctypes.POINTER(args)).contents[:] = [40, socket.SOCK_STREAM, 0]
    return i386(102, 1, _page + 2048)  # socketcall(SYS_SOCKET, {AF_VSOCK, SOCK_STREAM, 0})


# perf_event_attr (size 64): PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, disabled | exclude_kernel | exclude_hv
perf_attr = buffer(struct.pack("<IIQQQQQ", 1, 64, 1, 0, 0, 0, 1 | 1 << 5 | 1 << 6) + bytes(16))
results = {
    "io_uring_setup": sc(425, 1, buffer(120)),
    "io_uring_enter": sc(426, -1, 0, 0, 0, 0, 0),
    "io_uring_register": sc(427, -1, 0, 0, 0),
    "socket_vsock": sc(41, 40, socket.SOCK_STREAM, 0),
    "socket_vsock_high_bits": sc(41, 0x100000028, socket.SOCK_STREAM, 0),
    "socket_alg": sc(41, 38, socket.SOCK_SEQPACKET, 0),
    "socket_inet_loopback": guarded(loopback_tcp),
    "socket_unix": guarded(unix_pair),
    "add_key": sc(248, (text("user")), (text("execq")), (text("v")), 1, -2),
    "request_key": sc(249, (text("user")), (text("execq-none")), 0, 0),
    "keyctl": sc(250, 0, -3, 0),
    "unshare_newuser": sc(272, 0x10000000),
    "clone_newuser": sc(56, 0x10000000 | 0x200, 0, 0, 0, 0),   # | CLONE_FS: the kernel itself would say EINVAL
    "clone3": sc(435, 0, 1),                                    # size 1: the kernel itself would say EINVAL
    "userfaultfd": sc(323, 0o2000000 | 1),                     # O_CLOEXEC | UFFD_USER_MODE_ONLY
    "perf_event_open": sc(298, perf_attr, 0, -1, -1, 0),
    "bpf": sc(321, 0, buffer(128), 128),
}
# getpid, harmless: SIGSEGV here means int 0x80 itself faults on this host (no usable 32-bit entry at all).
results["i386_getpid"] = in_child(lambda: i386(20))
results["i386_socket_vsock"] = in_child(lambda: i386(359, 40, socket.SOCK_STREAM, 0))
results["i386_socketcall_vsock"] = in_child(i386_socketcall_vsock)
print(json.dumps(results, sort_keys=True))
