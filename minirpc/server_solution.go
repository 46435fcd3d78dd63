//go:build solution

package minirpc

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"reflect"
	"strings"
	"sync"
	"time"

	"golabs/minirpc/codec"
)

// Server serves the services registered with it.
type Server struct {
	serviceMap sync.Map // service name -> *service
}

// NewServer returns a server with no services.
func NewServer() *Server { return &Server{} }

// DefaultServer is the server of Register and Accept.
var DefaultServer = NewServer()

// Register exports the suitable methods of rcvr under the name of its type.
// It fails if the type is not exported, has no suitable method, or is
// registered already.
func (s *Server) Register(rcvr any) error {
	svc, err := newService(rcvr)
	if err != nil {
		return err
	}
	if _, dup := s.serviceMap.LoadOrStore(svc.name, svc); dup {
		return fmt.Errorf("rpc server: service %s is registered already", svc.name)
	}
	return nil
}

// Register exports rcvr's methods on DefaultServer.
func Register(rcvr any) error { return DefaultServer.Register(rcvr) }

// Accept serves every connection lis accepts, each in a goroutine of its
// own, until lis is closed.
func (s *Server) Accept(lis net.Listener) {
	for {
		conn, err := lis.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				log.Println("rpc server: accept error:", err)
			}
			return
		}
		go s.ServeConn(conn)
	}
}

// Accept serves lis with DefaultServer.
func Accept(lis net.Listener) { DefaultServer.Accept(lis) }

// ServeConn serves one connection until the client closes it, and closes
// it. It reads the Option first, then the requests.
func (s *Server) ServeConn(conn io.ReadWriteCloser) {
	opt, err := ReadOption(conn)
	if err != nil {
		log.Printf("rpc server: closing the connection: %v", err)
		conn.Close()
		return
	}
	s.serveCodec(codec.NewCodecFuncMap[opt.CodecType](conn), opt)
}

// invalidRequest is the body of a reply that carries an error.
var invalidRequest = struct{}{}

// serveCodec reads requests until the stream breaks, handling each in a
// goroutine of its own, then waits for the handlers and closes the codec.
func (s *Server) serveCodec(cc codec.Codec, opt *Option) {
	sending := new(sync.Mutex) // one reply at a time
	wg := new(sync.WaitGroup)
	for {
		req, err := s.readRequest(cc)
		if err != nil {
			if req == nil {
				break // the header is unreadable: the stream is lost
			}
			req.h.Error = err.Error()
			s.sendResponse(cc, req.h, invalidRequest, sending)
			continue
		}
		wg.Add(1)
		go s.handleRequest(cc, req, sending, wg, opt.HandleTimeout)
	}
	wg.Wait()
	cc.Close()
}

// request is a call read from the connection.
type request struct {
	h            *codec.Header
	argv, replyv reflect.Value
	mtype        *methodType
	svc          *service
}

// readRequest reads the next request. It returns a nil request when the
// header could not be read, and a request with an error when the header
// was read but the call cannot be made (its body has been read past).
func (s *Server) readRequest(cc codec.Codec) (*request, error) {
	var h codec.Header
	if err := cc.ReadHeader(&h); err != nil {
		if !quietEnd(err) {
			log.Println("rpc server: closing the connection: reading a header:", err)
		}
		return nil, err
	}
	h.Error = "" // a request's Error means nothing; the reply's is the server's
	req := &request{h: &h}
	var err error
	req.svc, req.mtype, err = s.findService(h.ServiceMethod)
	if err != nil {
		if skipErr := cc.ReadBody(nil); skipErr != nil {
			log.Println("rpc server: closing the connection: reading a body:", skipErr)
			return nil, skipErr
		}
		return req, err
	}
	req.argv = req.mtype.newArgv()
	req.replyv = req.mtype.newReplyv()
	argvi := req.argv.Interface()
	if req.argv.Kind() != reflect.Pointer {
		argvi = req.argv.Addr().Interface()
	}
	if err := cc.ReadBody(argvi); err != nil {
		return req, fmt.Errorf("rpc server: reading the arguments of %s: %w", h.ServiceMethod, err)
	}
	return req, nil
}

// quietEnd reports whether err is how a connection normally ends.
func quietEnd(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)
}

// findService finds the method serviceMethod ("Service.Method") names.
func (s *Server) findService(serviceMethod string) (*service, *methodType, error) {
	dot := strings.LastIndex(serviceMethod, ".")
	if dot < 0 {
		return nil, nil, fmt.Errorf("rpc server: service/method request ill-formed: %q", serviceMethod)
	}
	name, methodName := serviceMethod[:dot], serviceMethod[dot+1:]
	v, ok := s.serviceMap.Load(name)
	if !ok {
		return nil, nil, fmt.Errorf("rpc server: can't find service %s", name)
	}
	svc := v.(*service)
	m := svc.method[methodName]
	if m == nil {
		if why, ok := svc.rejected[methodName]; ok {
			return nil, nil, fmt.Errorf("rpc server: %s is not callable: it %s", serviceMethod, why)
		}
		return nil, nil, fmt.Errorf("rpc server: can't find method %s", serviceMethod)
	}
	return svc, m, nil
}

// sendResponse writes one reply; sending keeps replies from interleaving.
func (s *Server) sendResponse(cc codec.Codec, h *codec.Header, body any, sending *sync.Mutex) {
	sending.Lock()
	defer sending.Unlock()
	if err := cc.Write(h, body); err != nil && !quietEnd(err) {
		log.Println("rpc server: writing a reply:", err)
	}
}

// handleRequest calls the method and sends its reply, or, if it takes
// longer than timeout (0: no limit), a time-out error instead. The method
// keeps running after a time-out, and its result is dropped: the channel it
// reports on has room for it, so its goroutine ends when the method does.
func (s *Server) handleRequest(cc codec.Codec, req *request, sending *sync.Mutex, wg *sync.WaitGroup, timeout time.Duration) {
	defer wg.Done()
	if timeout == 0 {
		s.reply(cc, req, req.svc.call(req.mtype, req.argv, req.replyv), sending)
		return
	}
	called := make(chan error, 1)
	go func() { called <- req.svc.call(req.mtype, req.argv, req.replyv) }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-called:
		s.reply(cc, req, err, sending)
	case <-timer.C:
		req.h.Error = fmt.Sprintf("rpc server: request handle timeout: expect within %s", timeout)
		s.sendResponse(cc, req.h, invalidRequest, sending)
	}
}

// reply sends the method's reply, or the error it returned.
func (s *Server) reply(cc codec.Codec, req *request, err error, sending *sync.Mutex) {
	if err != nil {
		req.h.Error = err.Error()
		s.sendResponse(cc, req.h, invalidRequest, sending)
		return
	}
	s.sendResponse(cc, req.h, req.replyv.Interface(), sending)
}
