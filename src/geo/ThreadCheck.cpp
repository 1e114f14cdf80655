// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "geo/ThreadCheck.h"

#include <QtGlobal>

#include <atomic>
#include <mutex>
#include <thread>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace tessera::threadcheck {

namespace {
std::atomic<std::thread::id> guiThread{};
std::mutex handlerMutex;
ViolationHandler& handler() {
    static ViolationHandler h = [](const char* where) {
        qFatal("Blocking call on the GUI thread: %s", where);
    };
    return h;
}
} // namespace

void markGuiThread() {
    guiThread = std::this_thread::get_id();
}
void clearGuiThread() {
    guiThread = std::thread::id{};
}
bool isGuiThread() {
    return guiThread.load() == std::this_thread::get_id();
}

void setViolationHandler(ViolationHandler h) {
    const std::lock_guard lock(handlerMutex);
    handler() = std::move(h);
}

void reportIfGuiThread(const char* where) {
    if (!isGuiThread())
        return;
    const std::lock_guard lock(handlerMutex);
    handler()(where);
}

void backgroundPriority() {
#ifdef Q_OS_LINUX
    thread_local bool lowered = false;
    if (lowered)
        return;
    lowered = true;
    // On Linux a thread is a task with its own nice value: PRIO_PROCESS with its id changes
    // this thread alone.
    const auto task = static_cast<id_t>(syscall(SYS_gettid));
    if (getpriority(PRIO_PROCESS, task) < 10)
        setpriority(PRIO_PROCESS, task, 10);
#endif
}

} // namespace tessera::threadcheck
