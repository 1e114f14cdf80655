// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

namespace tessera {

/// Enforces the rule "the GUI thread never waits on I/O, GDAL or crypto". The GUI application
/// marks its thread at start-up; functions that block call TESSERA_ASSERT_WORKER_THREAD(), which
/// in Debug builds (TESSERA_CHECK_THREADS) reports a violation when called on the marked thread.
/// Command-line tools and tests mark nothing, so they may call everything on their main thread.
namespace threadcheck {

/// Marks the calling thread as the GUI thread.
void markGuiThread();
void clearGuiThread();
[[nodiscard]] bool isGuiThread();

/// What happens on a violation: by default qFatal with the place that blocked. Tests replace it.
using ViolationHandler = std::function<void(const char* where)>;
void setViolationHandler(ViolationHandler handler);
void reportIfGuiThread(const char* where);

/// Lowers the calling thread's scheduling priority to nice 10, once per thread; workers that
/// paint the map call it so that the GUI thread's frames come first on a machine of two cores,
/// yet the workers still move when other programs keep the CPU busy (which SCHED_IDLE, the only
/// policy QThread::setPriority reaches on Linux, would not allow). Does nothing elsewhere.
void backgroundPriority();

} // namespace threadcheck
} // namespace tessera

#ifdef TESSERA_CHECK_THREADS
#define TESSERA_ASSERT_WORKER_THREAD() ::tessera::threadcheck::reportIfGuiThread(Q_FUNC_INFO)
#else
#define TESSERA_ASSERT_WORKER_THREAD() static_cast<void>(0)
#endif
