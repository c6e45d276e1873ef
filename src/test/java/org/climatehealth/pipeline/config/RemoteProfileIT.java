package org.climatehealth.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;

/** {@code --conf-dir s3://bucket/prefix}: the profile uploaded next to the jar (as on Glue) is the one used. */
@ExtendWith(S3ProxyExtension.class)
class RemoteProfileIT {

  @Test
  void aProfileIsReadFromS3WithTheS3SettingsOfTheOverrides(S3ProxyServer s3) {
    String bucket = s3.newBucket();
    s3.client().putObject(b -> b.bucket(bucket).key("artifacts/conf/team.conf"), RequestBody.fromString("""
        pipeline.stores.raw = "s3://team-raw/landing"
        pipeline.models.approval = auto
        """));
    List<String> reach = List.of("pipeline.s3.endpoint=" + s3.endpoint(), "pipeline.s3.path-style-access=true");

    Settings settings = SettingsLoader.forInvocation("s3://" + bucket + "/artifacts/conf").load("team", reach);

    assertThat(settings.env()).isEqualTo("team");
    assertThat(settings.stores().raw().toString()).isEqualTo("s3://team-raw/landing");
    assertThat(settings.models().autoApprove()).isTrue();
    assertThat(settings.s3().pathStyleAccess()).isTrue();

    assertThatThrownBy(() -> SettingsLoader.forInvocation("s3://" + bucket + "/artifacts/conf").load("prod", reach))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("unknown environment 'prod': there is no s3://" + bucket + "/artifacts/conf/prod.conf"
            + " (--conf-dir s3://" + bucket + "/artifacts/conf)");

    // the same through the command line: a usage error (exit 2) in one line
    CliRun missing = CliRun.of("storage", "stats", "--env", "prod", "--conf-dir", "s3://" + bucket + "/artifacts/conf",
        "--conf", reach.get(0), "--conf", reach.get(1));
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.errLines().get(0)).isEqualTo("error: unknown environment 'prod': there is no s3://" + bucket
        + "/artifacts/conf/prod.conf (--conf-dir s3://" + bucket + "/artifacts/conf)");
  }
}
