// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "geo/ThreadCheck.h"

#include <QtGlobal>

#include <atomic>
#include <mutex>
#include <thread>

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

} // namespace tessera::threadcheck
