// FanoutAppendable writes every sample to a primary storage and, for the
// samples the primary accepts, to secondary ones (Prometheus's fanout
// storage): local TSDB first, remote write second.
//
// Append returns the primary's result; a secondary's error never fails
// the append. Commit commits the primary first and the secondaries only
// when that succeeded (otherwise they roll back), so remote endpoints
// never see samples the local storage refused.
//
// Thread safety: as the wrapped Appendables; each Appender is used by one
// thread at a time.

#ifndef VIGIL_LIBREMOTE_FANOUT_APPENDABLE_H_
#define VIGIL_LIBREMOTE_FANOUT_APPENDABLE_H_

#include <memory>
#include <vector>

#include "libtsdb/storage/appender.h"

namespace vigil::remote {

class FanoutAppendable final : public storage::Appendable {
 public:
  // The Appendables are not owned and must outlive this object.
  FanoutAppendable(storage::Appendable* primary,
                   std::vector<storage::Appendable*> secondaries)
      : primary_(primary), secondaries_(std::move(secondaries)) {}

  std::unique_ptr<storage::Appender> NewAppender() override;

 private:
  storage::Appendable* const primary_;
  const std::vector<storage::Appendable*> secondaries_;
};

}  // namespace vigil::remote

#endif  // VIGIL_LIBREMOTE_FANOUT_APPENDABLE_H_
