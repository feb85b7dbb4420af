// Building remote-write 1.0 request bodies: a batch of samples becomes a
// prompb.WriteRequest (one TimeSeries per distinct series, its samples in
// the order given), serialized straight to protobuf wire format and
// compressed with snappy's block format, as the spec requires.
//
//   WriteRequestEncoder enc;
//   absl::string_view body = enc.Encode(batch);   // POST this
//
// The encoder keeps its buffers between calls, so a shard that sends
// batch after batch allocates only while batches grow. The wire format is
// prompb's (model/proto/remote.proto, types.proto); tests parse the result
// with the generated classes.
//
// Thread safety: one thread at a time per encoder.

#ifndef VIGIL_LIBREMOTE_WRITE_REQUEST_H_
#define VIGIL_LIBREMOTE_WRITE_REQUEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "model/labels.h"

namespace vigil::remote {

// One sample waiting to be sent, with its final labels (external labels
// and write_relabel_configs already applied).
struct PendingSample {
  model::Labels labels;
  int64_t t_ms = 0;
  double value = 0;
};

class WriteRequestEncoder {
 public:
  // Encodes `samples` (any order of series; per series in timestamp
  // order) and returns the snappy-compressed body, valid until the next
  // call. Samples of one series share one TimeSeries.
  absl::string_view Encode(absl::Span<const PendingSample> samples);

  // The uncompressed protobuf of the last Encode().
  absl::string_view last_uncompressed() const { return pb_; }

 private:
  std::string pb_;
  std::string series_buf_;
  std::string compressed_;
  // Series index by labels, and the order of first appearance.
  absl::flat_hash_map<model::Labels, uint32_t> index_;
  std::vector<std::vector<uint32_t>> members_;
};

}  // namespace vigil::remote

#endif  // VIGIL_LIBREMOTE_WRITE_REQUEST_H_
