package io.execq.sdk.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.sdk.verify.Reconciliation.DeadLetterRecord;
import io.execq.sdk.verify.Reconciliation.RequestRecord;
import io.execq.sdk.verify.Reconciliation.ResultRecord;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconciliationTest {

    private final Reconciliation reconciliation = new Reconciliation("req", "res", "dlt");
    private long resultOffset;
    private long deadLetterOffset;

    private void request(int partition, long offset, String id) {
        reconciliation.request(new RequestRecord(partition, offset, id, null));
    }

    private void result(String id, String status) {
        reconciliation.result(new ResultRecord(0, resultOffset++, id, status, null));
    }

    private void deadLetter(String reason, int sourcePartition, long sourceOffset) {
        reconciliation.deadLetter(new DeadLetterRecord(0, deadLetterOffset++, reason, "req", sourcePartition,
                sourceOffset));
    }

    @Test
    void everyRecordAnsweredOnceIsCleanAndCountsResultsAndDeadLettersByKind() {
        request(0, 0, "ok");
        request(0, 1, "failed");
        request(1, 0, null); // bytes that do not decode
        request(1, 1, "rejected");
        result("ok", "SUCCEEDED");
        result("failed", "FAILED");
        deadLetter("FAILED", 0, 1);
        deadLetter("UNDECODABLE", 1, 0);
        result("rejected", "REJECTED");
        deadLetter("REJECTED", 1, 1);

        VerifyReport report = reconciliation.report();

        assertThat(report.clean()).as(report.summary()).isTrue();
        assertThat(report.requestRecords()).isEqualTo(4);
        assertThat(report.undecodableRequests()).isEqualTo(1);
        assertThat(report.results()).isEqualTo(3);
        assertThat(report.deadLetters()).isEqualTo(3);
        assertThat(report.resultsByStatus()).containsExactlyInAnyOrderEntriesOf(
                Map.of("SUCCEEDED", 1L, "FAILED", 1L, "REJECTED", 1L));
        assertThat(report.deadLettersByReason()).containsExactlyInAnyOrderEntriesOf(
                Map.of("FAILED", 1L, "UNDECODABLE", 1L, "REJECTED", 1L));
        assertThat(report.notes()).isEmpty();
        assertThat(report.summary()).isEqualTo(
                "4 request record(s), 3 result(s), 3 dead letter(s): 0 missing, 0 duplicated, 0 unexpected");
    }

    @Test
    void aRequestWithoutResultAndAnUndecodableRecordWithoutDeadLetterAreMissing() {
        request(0, 0, "answered");
        request(0, 1, "lost");
        request(2, 5, null);
        result("answered", "SUCCEEDED");

        VerifyReport report = reconciliation.report();

        assertThat(report.clean()).isFalse();
        assertThat(report.missing()).containsExactly(
                new Finding(Finding.Kind.MISSING, "lost", "req/0/1", "no result and no dead letter"),
                new Finding(Finding.Kind.MISSING, null, "req/2/5", "undecodable request record without a dead letter"));
        assertThat(report.duplicated()).isEmpty();
        assertThat(report.unexpected()).isEmpty();
    }

    @Test
    void aDecodableRequestWithADeadLetterButNoResultIsMissingItsResult() {
        request(0, 0, "half");
        deadLetter("FAILED", 0, 0);

        assertThat(reconciliation.report().missing()).containsExactly(new Finding(Finding.Kind.MISSING, "half",
                "req/0/0", "a dead letter (FAILED) but no result"));
    }

    @Test
    void aDecodableRecordTheExecutorDeadLetteredAsUndecodableNeedsNoResult() {
        request(0, 0, "unreadable-to-the-executor");
        deadLetter("UNDECODABLE", 0, 0);

        assertThat(reconciliation.report().clean()).isTrue();
    }

    @Test
    void twoResultsForOneRequestAndTwoDeadLettersForOneRecordAreDuplicated() {
        request(0, 0, "twice");
        request(0, 1, null);
        result("twice", "SUCCEEDED");
        result("twice", "SUCCEEDED");
        deadLetter("UNDECODABLE", 0, 1);
        deadLetter("UNDECODABLE", 0, 1);

        VerifyReport report = reconciliation.report();

        assertThat(report.missing()).isEmpty();
        assertThat(report.unexpected()).isEmpty();
        assertThat(report.duplicated()).containsExactly(
                new Finding(Finding.Kind.DUPLICATED, null, "dlt/0/1", "2 dead letters of req/0/1"),
                new Finding(Finding.Kind.DUPLICATED, "twice", "res/0/1", "2 results for 1 request record(s) "
                        + "(at res 0@0, 0@1)"));
    }

    @Test
    void aRequestIdSentTwiceMayHaveTwoResultsButNotThree() {
        request(0, 0, "resent");
        request(3, 9, "resent");
        result("resent", "SUCCEEDED");
        result("resent", "SUCCEEDED");
        assertThat(reconciliation.report().clean()).isTrue();

        result("resent", "SUCCEEDED");
        assertThat(reconciliation.report().duplicated()).extracting(Finding::detail)
                .containsExactly("3 results for 2 request record(s) (at res 0@0, 0@1, 0@2)");
    }

    @Test
    void aRequestIdSentTwiceWithOneResultMissesTheSecond() {
        request(0, 0, "resent");
        request(3, 9, "resent");
        result("resent", "SUCCEEDED");

        assertThat(reconciliation.report().missing()).containsExactly(new Finding(Finding.Kind.MISSING, "resent",
                "req/3/9", "no result and no dead letter; 1 result(s) for the 2 records carrying this request id"));
    }

    @Test
    void answersToNoRequestRecordAreUnexpected() {
        request(0, 0, "known");
        result("known", "SUCCEEDED");
        result("stranger", "SUCCEEDED");
        reconciliation.result(new ResultRecord(1, 4, null, null, null)); // does not decode
        deadLetter("UNDECODABLE", 7, 7); // a position that was not read
        reconciliation.deadLetter(new DeadLetterRecord(0, 99, "FAILED", null, null, null));
        reconciliation.deadLetter(new DeadLetterRecord(0, 100, "FAILED", "other-requests", 0, 0L));

        VerifyReport report = reconciliation.report();

        assertThat(report.missing()).isEmpty();
        assertThat(report.duplicated()).isEmpty();
        assertThat(report.unexpected()).containsExactly(
                new Finding(Finding.Kind.UNEXPECTED, null, "dlt/0/0", "dead letter of req/7/7, which is not a "
                        + "request record read"),
                new Finding(Finding.Kind.UNEXPECTED, null, "dlt/0/100", "dead letter of other-requests, not the "
                        + "requests topic req"),
                new Finding(Finding.Kind.UNEXPECTED, null, "dlt/0/99", "dead letter without execq.source.* headers"),
                new Finding(Finding.Kind.UNEXPECTED, "stranger", "res/0/1", "result for a request id no request "
                        + "record carries"),
                new Finding(Finding.Kind.UNEXPECTED, null, "res/1/4", "result record that does not decode"));
        assertThat(report.resultsByStatus()).containsEntry("UNREADABLE", 1L);
    }

    @Test
    void aReplayIsARequestOfItsOwnSoItsResultIsNeitherDuplicatedNorUnexpected() {
        request(0, 0, "original");
        result("original", "FAILED");
        deadLetter("FAILED", 0, 0);
        reconciliation.request(new RequestRecord(0, 1, "replay-1", "original"));
        reconciliation.result(new ResultRecord(0, resultOffset++, "replay-1", "FAILED", "original"));
        deadLetter("FAILED", 0, 1);
        reconciliation.request(new RequestRecord(2, 0, "replay-2", "replay-1"));
        reconciliation.result(new ResultRecord(0, resultOffset++, "replay-2", "SUCCEEDED", "replay-1"));

        VerifyReport report = reconciliation.report();

        assertThat(report.clean()).as(report.toString()).isTrue();
        assertThat(report.replays()).isEqualTo(2);
        assertThat(report.notes()).isEmpty();
    }

    @Test
    void aReplayResultWhoseRecordWasNotReadIsTracedToItsOriginalAndNoted() {
        request(0, 0, "original");
        result("original", "FAILED");
        deadLetter("FAILED", 0, 0);
        reconciliation.result(new ResultRecord(0, resultOffset++, "replay-elsewhere", "SUCCEEDED", "original"));
        reconciliation.result(new ResultRecord(0, resultOffset++, "orphan", "SUCCEEDED", "never-seen"));

        VerifyReport report = reconciliation.report();

        assertThat(report.unexpected()).containsExactly(new Finding(Finding.Kind.UNEXPECTED, "orphan", "res/0/2",
                "result for a request id no request record carries (replayOf never-seen, not read either)"));
        assertThat(report.notes()).containsExactly("1 result(s) of replays whose request record was not read, of "
                + "originals that were (replayed to another requests topic?), e.g. replay-elsewhere");
    }

    @Test
    void aReplayOfAnOriginalThatIsGoneIsNotedNotFailed() {
        reconciliation.request(new RequestRecord(0, 0, "replay", "deleted-by-retention"));
        result("replay", "SUCCEEDED");

        VerifyReport report = reconciliation.report();

        assertThat(report.clean()).isTrue();
        assertThat(report.notes()).containsExactly("1 replay(s) of a request not in req (deleted by retention?)");
    }

    @Test
    void aRecordReadTwiceCountsOnce() {
        request(0, 0, "once");
        request(0, 0, "once");
        result("once", "SUCCEEDED");

        VerifyReport report = reconciliation.report();

        assertThat(report.requestRecords()).isEqualTo(1);
        assertThat(report.clean()).isTrue();
    }
}
