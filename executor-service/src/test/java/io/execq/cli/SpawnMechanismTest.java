package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SpawnMechanismTest {

    private String saved;

    @BeforeEach
    void save() {
        saved = System.getProperty(SpawnMechanism.PROPERTY);
    }

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(SpawnMechanism.PROPERTY);
        } else {
            System.setProperty(SpawnMechanism.PROPERTY, saved);
        }
    }

    @Test
    void choosesVforkWhenTheJvmWasGivenNoMechanism() {
        System.clearProperty(SpawnMechanism.PROPERTY);

        SpawnMechanism.preferVfork();

        assertThat(System.getProperty(SpawnMechanism.PROPERTY)).isEqualTo("VFORK");
    }

    @Test
    void anOperatorsOwnMechanismWins() {
        System.setProperty(SpawnMechanism.PROPERTY, "POSIX_SPAWN");

        SpawnMechanism.preferVfork();

        assertThat(System.getProperty(SpawnMechanism.PROPERTY)).isEqualTo("POSIX_SPAWN");
    }
}
