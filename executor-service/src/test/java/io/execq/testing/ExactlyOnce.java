package io.execq.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.sdk.verify.Finding;
import io.execq.sdk.verify.Verifier;
import io.execq.sdk.verify.VerifyReport;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The closing check of every fault test: {@code execq verify}'s library on the test's topics — every committed
 * request record has exactly one answer, nothing is duplicated, nothing answers a request that was not made.
 */
public final class ExactlyOnce {

    private ExactlyOnce() {
    }

    /**
     * Reads the topics (waiting up to {@code wait} while answers are still missing) and asserts 0 missing,
     * 0 duplicated, 0 unexpected.
     *
     * @return the report, for further assertions (counts by status and reason)
     */
    public static VerifyReport verify(ExecqTopics topics, Duration wait) throws InterruptedException {
        VerifyReport report = Verifier.builder().bootstrapServers(topics.bootstrapServers())
                .requestsTopic(topics.requests()).resultsTopic(topics.results())
                .deadLetterTopic(topics.deadLetters()).build().verify(wait);
        List<Finding> findings = Stream.of(report.missing(), report.duplicated(), report.unexpected())
                .flatMap(List::stream).limit(20).toList();
        assertThat(report.clean()).as("%s; first findings: %s", report.summary(), findings).isTrue();
        return report;
    }
}
