// Thread pool implementation; the size comes from MEDTRANSFER_THREADS or the number of cores.
#include "thread-pool.h"

#include <cstdlib>

namespace mt {

namespace {
thread_local bool insideJob = false;
}

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; i++) workers_.emplace_back([this, i] { workerLoop(i); });
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
  for (int t; (t = next_.fetch_add(1)) < jobSize_;) (*job_)(t, thread);
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
    busy_ = static_cast<int>(workers_.size());
    generation_++;
  }
  wake_.notify_all();
  drain(0);
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return busy_ == 0; });
  job_ = nullptr;
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
