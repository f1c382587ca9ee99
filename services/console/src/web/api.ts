// Calls to the gateway; an error carries the gateway's code and message for the page.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'gateway_unreachable', 'the console gateway cannot be reached');
  }
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : {};
  if (!res.ok) {
    const e = data as { error?: string; message?: string };
    throw new ApiError(res.status, e.error ?? 'error', e.message ?? res.statusText);
  }
  return data as T;
}

/** Upload with progress (fetch has no upload progress): resolves with the JSON reply. */
export function upload<T>(path: string, file: Blob, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, 'upload_broken', 'the upload broke off; nothing was imported'));
    xhr.onload = () => {
      let data: { error?: string; message?: string } = {};
      try {
        data = JSON.parse(xhr.responseText) as typeof data;
      } catch {
        /* a non-JSON reply is reported below by its status */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as T);
      else if (xhr.status === 422) resolve(data as T);
      else reject(new ApiError(xhr.status, data.error ?? 'error', data.message ?? `upload failed (${xhr.status})`));
    };
    xhr.send(file);
  });
}
