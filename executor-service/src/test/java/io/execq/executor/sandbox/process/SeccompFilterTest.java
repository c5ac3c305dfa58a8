package io.execq.executor.sandbox.process;

import static io.execq.executor.sandbox.process.SeccompFilter.AUDIT_ARCH_X86_64;
import static io.execq.executor.sandbox.process.SeccompFilter.RET_ALLOW;
import static io.execq.executor.sandbox.process.SeccompFilter.RET_ERRNO;
import static io.execq.executor.sandbox.process.SeccompFilter.RET_KILL_PROCESS;
import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.sandbox.process.SeccompFilter.Syscall;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Runs the generated program through a classic-BPF interpreter (the subset the kernel's seccomp accepts). */
class SeccompFilterTest {

    private static final int AUDIT_ARCH_I386 = 0x40000003;
    private static final int READ = 0;
    private static final byte[] PROGRAM = SeccompFilter.forArch("amd64").orElseThrow();

    @Test
    void answersIoUringWithEnosys() {
        assertThat(verdict(Syscall.IO_URING_SETUP.number, 0)).isEqualTo(RET_ERRNO | SeccompFilter.ENOSYS);
        assertThat(verdict(Syscall.IO_URING_ENTER.number, 0)).isEqualTo(RET_ERRNO | SeccompFilter.ENOSYS);
        assertThat(verdict(Syscall.IO_URING_REGISTER.number, 0)).isEqualTo(RET_ERRNO | SeccompFilter.ENOSYS);
    }

    @Test
    void refusesVsockAndAlgSocketsButNotOthers() {
        for (Syscall call : new Syscall[] {Syscall.SOCKET, Syscall.SOCKETPAIR}) {
            assertThat(verdict(call.number, SeccompFilter.AF_VSOCK)).isEqualTo(RET_ERRNO | SeccompFilter.EAFNOSUPPORT);
            assertThat(verdict(call.number, SeccompFilter.AF_ALG)).isEqualTo(RET_ERRNO | SeccompFilter.EAFNOSUPPORT);
            assertThat(verdict(call.number, 1 /* AF_UNIX */)).isEqualTo(RET_ALLOW);
            assertThat(verdict(call.number, 2 /* AF_INET */)).isEqualTo(RET_ALLOW);
        }
    }

    @Test
    void refusesUserNamespacesInUnshareAndCloneOnly() {
        int newIpc = 0x08000000;
        assertThat(verdict(Syscall.UNSHARE.number, SeccompFilter.CLONE_NEWUSER)).isEqualTo(RET_ERRNO | SeccompFilter.EPERM);
        assertThat(verdict(Syscall.UNSHARE.number, SeccompFilter.CLONE_NEWUSER | newIpc)).isEqualTo(RET_ERRNO | SeccompFilter.EPERM);
        assertThat(verdict(Syscall.CLONE.number, SeccompFilter.CLONE_NEWUSER | 17)).isEqualTo(RET_ERRNO | SeccompFilter.EPERM);
        assertThat(verdict(Syscall.UNSHARE.number, newIpc)).isEqualTo(RET_ALLOW);
        assertThat(verdict(Syscall.CLONE.number, 0x01200011 /* fork()'s flags */)).isEqualTo(RET_ALLOW);
        assertThat(verdict(Syscall.CLONE3.number, 0)).isEqualTo(RET_ERRNO | SeccompFilter.ENOSYS);
    }

    @Test
    void refusesKeyringsUserfaultfdPerfAndBpf() {
        for (Syscall call : new Syscall[] {Syscall.KEYCTL, Syscall.ADD_KEY, Syscall.REQUEST_KEY, Syscall.USERFAULTFD,
                Syscall.PERF_EVENT_OPEN, Syscall.BPF}) {
            assertThat(verdict(call.number, 0)).as(call.name()).isEqualTo(RET_ERRNO | SeccompFilter.EPERM);
        }
    }

    @Test
    void allowsOrdinaryCalls() {
        assertThat(verdict(READ, 0)).isEqualTo(RET_ALLOW);
        assertThat(verdict(60 /* exit */, 0)).isEqualTo(RET_ALLOW);
        assertThat(verdict(59 /* execve */, 0)).isEqualTo(RET_ALLOW);
    }

    @Test
    void refusesTheX32AbiAndKillsForeignArchitectures() {
        assertThat(verdict(SeccompFilter.X32_SYSCALL_BIT | READ, 0)).isEqualTo(RET_ERRNO | SeccompFilter.ENOSYS);
        assertThat(run(AUDIT_ARCH_I386, 3, 0)).isEqualTo(RET_KILL_PROCESS);
    }

    @Test
    void knowsOnlyX86_64() {
        assertThat(SeccompFilter.forArch("x86_64")).isPresent();
        assertThat(SeccompFilter.forArch("aarch64")).isEmpty();
    }

    private static int verdict(int nr, long arg0) {
        return run(AUDIT_ARCH_X86_64, nr, arg0);
    }

    /** Interprets the program against a struct seccomp_data of {@code arch}, {@code nr} and {@code arg0}. */
    private static int run(int arch, int nr, long arg0) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch).putLong(16, arg0);
        ByteBuffer program = ByteBuffer.wrap(PROGRAM).order(ByteOrder.LITTLE_ENDIAN);
        int accumulator = 0;
        int pc = 0;
        for (int steps = 0; steps < 1000; steps++) {
            int base = pc * 8;
            int code = program.getShort(base) & 0xffff;
            int jt = program.get(base + 2) & 0xff;
            int jf = program.get(base + 3) & 0xff;
            int k = program.getInt(base + 4);
            switch (code) {
                case 0x20 -> {
                    accumulator = data.getInt(k);
                    pc++;
                }
                case 0x15 -> pc += 1 + (accumulator == k ? jt : jf);
                case 0x35 -> pc += 1 + (Integer.compareUnsigned(accumulator, k) >= 0 ? jt : jf);
                case 0x45 -> pc += 1 + ((accumulator & k) != 0 ? jt : jf);
                case 0x06 -> {
                    return k;
                }
                default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(code) + " at " + pc);
            }
        }
        throw new AssertionError("program did not return");
    }
}
