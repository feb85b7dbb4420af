// The Thanos sidecar contract for retention: a sidecar uploads each block
// and lists its ULID in `<data dir>/thanos.shipper.json`
// ({"version":1,"uploaded":["01H...", ...]}). When that file exists,
// retention deletes only blocks it lists, so a block the sidecar has not
// shipped yet (its object store was down, say) survives until it has;
// without the file (no sidecar) every block retention picks may go.
// An unreadable or malformed file keeps every block and logs why.
//
// Thread safety: the returned function may be called from any thread.

#ifndef VIGIL_EXAMPLES_SERVER_THANOS_SHIPPER_H_
#define VIGIL_EXAMPLES_SERVER_THANOS_SHIPPER_H_

#include <functional>
#include <string>

#include "libtsdb/block.h"

namespace vigil::server {

// For tsdb::Options::may_delete_block.
std::function<bool(const tsdb::BlockMeta&)> ThanosShipperGuard(std::string data_dir);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_THANOS_SHIPPER_H_
