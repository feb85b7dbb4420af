// WAL records, encoded as Prometheus encodes them (tsdb/record): the
// first byte is the type, Series=1, Samples=2, Tombstones=3. Other types
// (exemplars, metadata, histograms) are recognised and skipped on replay.
// Format: libtsdb/docs/format/wal.md.
//
// Thread safety: pure functions.

#ifndef VIGIL_LIBTSDB_WAL_RECORD_H_
#define VIGIL_LIBTSDB_WAL_RECORD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libtsdb/head.h"

namespace vigil::tsdb::wal {

enum class RecordType : uint8_t {
  kUnknown = 255,
  kSeries = 1,
  kSamples = 2,
  kTombstones = 3,
};

RecordType TypeOf(absl::string_view rec);

void EncodeSeries(const std::vector<RefSeries>& series, std::string* out);
void EncodeSamples(const std::vector<RefSample>& samples, std::string* out);
void EncodeTombstones(const std::vector<RefTombstone>& stones,
                      std::string* out);

// Decoders append to `out`; DataLoss names the record type on bad bytes.
absl::Status DecodeSeries(absl::string_view rec, std::vector<RefSeries>* out);
absl::Status DecodeSamples(absl::string_view rec, std::vector<RefSample>* out);
absl::Status DecodeTombstones(absl::string_view rec,
                              std::vector<RefTombstone>* out);

}  // namespace vigil::tsdb::wal

#endif  // VIGIL_LIBTSDB_WAL_RECORD_H_
