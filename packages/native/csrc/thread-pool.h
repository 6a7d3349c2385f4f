// Persistent worker threads for the medtransfer native kernels: run(n, fn) hands tasks 0..n-1 to
// the workers and the calling thread, and returns when all are done. Nested calls run serially.
// An exception thrown by a task is rethrown by run() on the calling thread.
#pragma once
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mt {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // fn(task, thread) with thread in [0, size()). When a task throws, the tasks not yet started
  // are skipped and, once every thread has left the job, the first exception is rethrown here
  // (a worker must not let it escape: that would terminate the process).
  void run(int n, const std::function<void(int, int)>& fn);
  static ThreadPool& get();

 private:
  void workerLoop(int id);
  void drain(int thread);
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int, int)>* job_ = nullptr;
  int jobSize_ = 0;
  long generation_ = 0;
  int busy_ = 0;
  bool stop_ = false;
  std::atomic<int> next_{0};
  std::exception_ptr error_;  // the job's first exception, guarded by mu_
};

// Splits [0, total) into `parts` nearly equal ranges; returns range `i` as [begin, end).
inline void splitRange(long total, int parts, int i, long* begin, long* end) {
  long base = total / parts, rem = total % parts;
  *begin = i * base + (i < rem ? i : rem);
  *end = *begin + base + (i < rem ? 1 : 0);
}

}  // namespace mt
