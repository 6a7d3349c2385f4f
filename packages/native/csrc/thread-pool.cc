// Thread pool implementation; the size comes from MEDTRANSFER_THREADS or the number of cores.
#include "thread-pool.h"

#include <cstdlib>
#include <system_error>
#include <utility>

namespace mt {

namespace {
thread_local bool insideJob = false;
}

ThreadPool::ThreadPool(int threads) {
  // When the system refuses a thread, run with those already started: a constructor that threw
  // would leave them joinable, and destroying a joinable std::thread ends the process.
  try {
    for (int i = 1; i < threads; i++) workers_.emplace_back([this, i] { workerLoop(i); });
  } catch (const std::system_error&) {
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::drain(int thread) {
  insideJob = true;
  for (int t; (t = next_.fetch_add(1)) < jobSize_;) {
    try {
      (*job_)(t, thread);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
      next_.store(jobSize_);  // skip the tasks nobody has started; their results are void anyway
    }
  }
  insideJob = false;
}

void ThreadPool::workerLoop(int id) {
  long seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    drain(id);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--busy_ == 0) done_.notify_one();
    }
  }
}

void ThreadPool::run(int n, const std::function<void(int, int)>& fn) {
  if (n <= 0) return;
  if (n == 1 || workers_.empty() || insideJob) {
    for (int t = 0; t < n; t++) fn(t, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &fn;
    jobSize_ = n;
    next_.store(0);
    error_ = nullptr;
    busy_ = static_cast<int>(workers_.size());
    generation_++;
  }
  wake_.notify_all();
  drain(0);
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return busy_ == 0; });
  job_ = nullptr;
  // Only now, with no worker still inside fn (which lives on the caller's stack).
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

ThreadPool& ThreadPool::get() {
  static ThreadPool pool([] {
    const char* env = std::getenv("MEDTRANSFER_THREADS");
    int n = env ? std::atoi(env) : 0;
    if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
    return n > 0 ? n : 1;
  }());
  return pool;
}

}  // namespace mt
