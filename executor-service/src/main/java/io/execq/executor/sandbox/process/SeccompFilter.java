package io.execq.executor.sandbox.process;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The process sandbox's seccomp filter ({@value #NAME}): a classic BPF program, as {@code bwrap --seccomp FD}
 * loads it, that allows every system call except the kernel surfaces a hostile program has no business with and
 * that Docker's own default profile on this host still allows or that the run could use to widen its reach:
 *
 * <ul>
 *   <li>{@code io_uring_setup}, {@code io_uring_enter}, {@code io_uring_register}: {@code ENOSYS}, the answer
 *       io_uring users already handle (kernels without io_uring);</li>
 *   <li>{@code socket} and {@code socketpair} of family {@code AF_VSOCK} or {@code AF_ALG}: {@code EAFNOSUPPORT};</li>
 *   <li>{@code unshare} and {@code clone} with {@code CLONE_NEWUSER}: {@code EPERM}, so no user namespace can be
 *       made inside the run; {@code clone3}, whose flags live in memory a filter cannot read, answers
 *       {@code ENOSYS}, and the C library falls back to {@code clone};</li>
 *   <li>{@code keyctl}, {@code add_key}, {@code request_key}, {@code userfaultfd}, {@code perf_event_open},
 *       {@code bpf}: {@code EPERM};</li>
 *   <li>the x32 ABI ({@code __X32_SYSCALL_BIT}): {@code ENOSYS}; any other architecture (32-bit {@code int 0x80}
 *       calls on x86-64): the process is killed, since its numbers would bypass every rule above.</li>
 * </ul>
 *
 * Generated here rather than with libseccomp: the program is 40 instructions, needs no package on the host, and
 * {@code SeccompFilterTest} runs it through a BPF interpreter for every rule. Only x86-64 numbers are known; on
 * another architecture {@link #forArch} is empty and the sandbox claims no {@code SECCOMP_FILTER}.
 */
final class SeccompFilter {

    /** The {@code seccompProfile} results name. */
    static final String NAME = "execq-process-v1";

    static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    static final int X32_SYSCALL_BIT = 0x40000000;
    static final int CLONE_NEWUSER = 0x10000000;
    static final int AF_ALG = 38;
    static final int AF_VSOCK = 40;
    static final int EPERM = 1;
    static final int ENOSYS = 38;
    static final int EAFNOSUPPORT = 97;

    static final int RET_ALLOW = 0x7fff0000;
    static final int RET_ERRNO = 0x00050000;
    static final int RET_KILL_PROCESS = 0x80000000;

    /** x86-64 system call numbers. */
    enum Syscall {
        SOCKET(41), SOCKETPAIR(53), CLONE(56), KEYCTL(250), ADD_KEY(248), REQUEST_KEY(249), UNSHARE(272),
        PERF_EVENT_OPEN(298), BPF(321), USERFAULTFD(323), IO_URING_SETUP(425), IO_URING_ENTER(426),
        IO_URING_REGISTER(427), CLONE3(435);

        final int number;

        Syscall(int number) {
            this.number = number;
        }
    }

    // Classic BPF opcodes (linux/filter.h) and the offsets of struct seccomp_data.
    static final short LD_W_ABS = 0x20;
    static final short JEQ_K = 0x15;
    static final short JGE_K = 0x35;
    static final short JSET_K = 0x45;
    static final short RET_K = 0x06;
    static final int NR_OFFSET = 0;
    static final int ARCH_OFFSET = 4;
    /** Low 32 bits of the first argument (little-endian). */
    static final int ARG0_OFFSET = 16;

    private static final List<Syscall> EPERM_CALLS = List.of(Syscall.KEYCTL, Syscall.ADD_KEY, Syscall.REQUEST_KEY,
            Syscall.USERFAULTFD, Syscall.PERF_EVENT_OPEN, Syscall.BPF);
    private static final List<Syscall> ENOSYS_CALLS = List.of(Syscall.IO_URING_SETUP, Syscall.IO_URING_ENTER,
            Syscall.IO_URING_REGISTER, Syscall.CLONE3);

    private SeccompFilter() {
    }

    /** The filter for the JVM's architecture ({@code os.arch}), if this class knows its numbers. */
    static Optional<byte[]> forHost() {
        return forArch(System.getProperty("os.arch"));
    }

    static Optional<byte[]> forArch(String osArch) {
        return "amd64".equals(osArch) || "x86_64".equals(osArch) ? Optional.of(x86_64()) : Optional.empty();
    }

    private static byte[] x86_64() {
        Program p = new Program();
        p.load(ARCH_OFFSET);
        p.jump(JEQ_K, AUDIT_ARCH_X86_64, null, "kill");
        p.load(NR_OFFSET);
        p.jump(JGE_K, X32_SYSCALL_BIT, "enosys", null);
        EPERM_CALLS.forEach(call -> p.jump(JEQ_K, call.number, "eperm", null));
        ENOSYS_CALLS.forEach(call -> p.jump(JEQ_K, call.number, "enosys", null));
        p.jump(JEQ_K, Syscall.SOCKET.number, "family", null);
        p.jump(JEQ_K, Syscall.SOCKETPAIR.number, "family", null);
        p.jump(JEQ_K, Syscall.UNSHARE.number, "flags", null);
        p.jump(JEQ_K, Syscall.CLONE.number, "flags", null);
        p.ret(RET_ALLOW);
        p.label("family");
        p.load(ARG0_OFFSET);
        p.jump(JEQ_K, AF_VSOCK, "eafnosupport", null);
        p.jump(JEQ_K, AF_ALG, "eafnosupport", null);
        p.ret(RET_ALLOW);
        p.label("flags");
        p.load(ARG0_OFFSET);
        p.jump(JSET_K, CLONE_NEWUSER, "eperm", null);
        p.ret(RET_ALLOW);
        p.label("eperm");
        p.ret(RET_ERRNO | EPERM);
        p.label("enosys");
        p.ret(RET_ERRNO | ENOSYS);
        p.label("eafnosupport");
        p.ret(RET_ERRNO | EAFNOSUPPORT);
        p.label("kill");
        p.ret(RET_KILL_PROCESS);
        return p.assemble();
    }

    /**
     * A straight-line BPF program with forward jumps to named labels (a null label: fall through), assembled into
     * {@code struct sock_filter} records ({@code u16 code, u8 jt, u8 jf, u32 k}, native little-endian).
     */
    private static final class Program {
        private record Instruction(short code, String jt, String jf, int k) {
        }

        private final List<Instruction> instructions = new ArrayList<>();
        private final Map<String, Integer> labels = new HashMap<>();

        void load(int offset) {
            instructions.add(new Instruction(LD_W_ABS, null, null, offset));
        }

        void jump(short code, int k, String ifTrue, String ifFalse) {
            instructions.add(new Instruction(code, ifTrue, ifFalse, k));
        }

        void ret(int action) {
            instructions.add(new Instruction(RET_K, null, null, action));
        }

        void label(String name) {
            labels.put(name, instructions.size());
        }

        byte[] assemble() {
            ByteBuffer out = ByteBuffer.allocate(instructions.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < instructions.size(); i++) {
                Instruction in = instructions.get(i);
                out.putShort(in.code()).put(offset(i, in.jt())).put(offset(i, in.jf())).putInt(in.k());
            }
            return out.array();
        }

        private byte offset(int from, String label) {
            if (label == null) {
                return 0;
            }
            int distance = labels.get(label) - from - 1;
            if (distance < 0 || distance > 255) {
                throw new IllegalStateException("jump to " + label + " out of range: " + distance);
            }
            return (byte) distance;
        }
    }
}
