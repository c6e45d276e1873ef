package org.climatehealth.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {

  @Test
  void theUserInfoOfAnyUriIsMasked() {
    assertThat(Redaction.userInfo("bad x = \"s3://AKIAEXAMPLE:se/cr+et@bucket/prefix\" (set in --conf x)"))
        .isEqualTo("bad x = \"s3://***@bucket/prefix\" (set in --conf x)");
    assertThat(Redaction.userInfo("http://user:pw@10.0.0.1:9000/path and https://k@host"))
        .isEqualTo("http://***@10.0.0.1:9000/path and https://***@host");
    assertThat(Redaction.userInfo("'s3a://AKIAEXAMPLE@bucket'")).isEqualTo("'s3a://***@bucket'");
  }

  @Test
  void textWithoutUserInfoStaysAsItIs() {
    for (String text : new String[] {"s3://bucket/prefix", "write to ops@example.org", "file:/tmp/a@b",
        "http://127.0.0.1:9000", "", "no uri here"}) {
      assertThat(Redaction.userInfo(text)).isEqualTo(text);
      assertThat(Redaction.hasUserInfo(text)).isFalse();
    }
    assertThat(Redaction.userInfo(null)).isNull();
  }

  @Test
  void configurationErrorsNeverCarryUserInfo() {
    assertThat(new ConfigurationException("bad pipeline.stores.raw = s3://AKIAEXAMPLE:secret@bucket").getMessage())
        .isEqualTo("bad pipeline.stores.raw = s3://***@bucket");
  }
}
