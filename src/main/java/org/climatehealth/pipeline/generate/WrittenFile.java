package org.climatehealth.pipeline.generate;

/** One file the generator wrote to the raw store: its key, size, and data rows (header excluded). */
public record WrittenFile(String key, long bytes, long rows) {}
