package io.execq.executor.sandbox.hostile;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The host bait ({@link HostBait}) is exactly as it was: no file read-and-rewritten, chowned, chmodded, linked to
 * (link count), deleted or added, whatever the program planted in its workspace for the clean-up to follow.
 * A changed bait is laid again for the next case.
 */
final class CanaryCheck implements HostCheck {

    private final HostBait bait;
    private List<String> before;

    CanaryCheck(HostBait bait) {
        this.bait = bait;
    }

    @Override
    public String name() {
        return "canary";
    }

    @Override
    public void before() throws IOException {
        before = bait.fingerprint();
    }

    @Override
    public List<String> after() throws IOException {
        List<String> now = bait.fingerprint();
        if (now.equals(before)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        now.stream().filter(line -> !before.contains(line)).forEach(line -> out.add("host bait changed: now " + line));
        before.stream().filter(line -> !now.contains(line)).forEach(line -> out.add("host bait changed: was " + line));
        bait.lay();
        return out;
    }
}
